import crypto from 'node:crypto';
import {
  checkHashRecord,
  DEFAULT_SCRYPT_PARAMETERS,
  hashPassword,
  InvalidHashRecordError,
  verifyPassword,
} from '../../../lambda/policy/basic/password-hash';

describe('hashPassword', () => {
  test('stores a random salt and the scrypt parameters', async () => {
    const first = await hashPassword('correct horse');
    const second = await hashPassword('correct horse');

    expect(first.salt).not.toBe(second.salt);
    expect(first.hash).not.toBe(second.hash);
    expect(first.cost).toBe(DEFAULT_SCRYPT_PARAMETERS.cost);
    expect(Buffer.from(first.hash, 'base64')).toHaveLength(32);
  });

  test('never contains the password', async () => {
    const record = await hashPassword('correct horse');

    expect(JSON.stringify(record)).not.toContain('correct horse');
  });

  test('rejects parameters below the minimum cost', async () => {
    const attempt = hashPassword('pw', { cost: 1024, blockSize: 8, parallelization: 1 });

    await expect(attempt).rejects.toThrow(InvalidHashRecordError);
  });
});

describe('verifyPassword', () => {
  test('accepts the right password', async () => {
    const record = await hashPassword('pa:ss wörd');

    await expect(verifyPassword(record, 'pa:ss wörd')).resolves.toBe(true);
  });

  test('rejects a wrong password of the same length', async () => {
    const record = await hashPassword('password1');

    await expect(verifyPassword(record, 'password2')).resolves.toBe(false);
  });

  test('rejects a wrong password of another length', async () => {
    const record = await hashPassword('password1');

    await expect(verifyPassword(record, 'pass')).resolves.toBe(false);
  });

  test('verifies a record made with other parameters', async () => {
    const record = await hashPassword('pw', { cost: 2 ** 14, blockSize: 4, parallelization: 2 });

    await expect(verifyPassword(record, 'pw')).resolves.toBe(true);
  });

  test('treats NFC and NFD forms of a password as equal', async () => {
    const record = await hashPassword('caf\u00e9');

    await expect(verifyPassword(record, 'cafe\u0301')).resolves.toBe(true);
  });

  test('returns false for an unknown user', async () => {
    await expect(verifyPassword(undefined, 'anything')).resolves.toBe(false);
  });

  test('runs the same scrypt and compare for unknown users and wrong passwords', async () => {
    const record = await hashPassword('right');
    await verifyPassword(undefined, 'warm-up');
    const scrypt = jest.spyOn(crypto, 'scrypt');
    const compare = jest.spyOn(crypto, 'timingSafeEqual');

    await verifyPassword(record, 'wrong');
    const knownUserCalls = scrypt.mock.calls.map((call) => [call[2], call[3]]);
    const knownUserCompares = compare.mock.calls.map((call) => [
      call[0].byteLength,
      call[1].byteLength,
    ]);
    scrypt.mockClear();
    compare.mockClear();
    await verifyPassword(undefined, 'wrong');
    const unknownUserCalls = scrypt.mock.calls.map((call) => [call[2], call[3]]);
    const unknownUserCompares = compare.mock.calls.map((call) => [
      call[0].byteLength,
      call[1].byteLength,
    ]);
    scrypt.mockRestore();
    compare.mockRestore();

    expect(knownUserCalls).toHaveLength(1);
    expect(unknownUserCalls).toEqual(knownUserCalls);
    expect(knownUserCompares).toEqual([[32, 32]]);
    expect(unknownUserCompares).toEqual(knownUserCompares);
  });
});

describe('checkHashRecord', () => {
  const valid = {
    algorithm: 'scrypt',
    cost: 16384,
    blockSize: 8,
    parallelization: 1,
    salt: Buffer.alloc(16, 1).toString('base64'),
    hash: Buffer.alloc(32, 2).toString('base64'),
  };

  test('accepts a complete record', () => {
    expect(checkHashRecord(valid)).toEqual(valid);
  });

  test.each([
    ['a string', 'scrypt$...', 'must be a JSON object'],
    ['another algorithm', { ...valid, algorithm: 'md5' }, "algorithm must be 'scrypt'"],
    ['a cost that is not a power of two', { ...valid, cost: 20000 }, 'cost must be a power of two'],
    ['a huge cost', { ...valid, cost: 2 ** 24 }, 'cost must be a power of two'],
    ['a block size of zero', { ...valid, blockSize: 0 }, 'blockSize must be'],
    ['a string parallelization', { ...valid, parallelization: '1' }, 'parallelization must be'],
    ['a short salt', { ...valid, salt: 'AAAA' }, 'salt must be Base64'],
    ['a hash that is not Base64', { ...valid, hash: '!!!' }, 'hash must be Base64'],
    ['a missing hash', { ...valid, hash: undefined }, 'hash must be Base64'],
  ])('rejects %s', (_name, record, message) => {
    const check = () => checkHashRecord(record);

    expect(check).toThrow(InvalidHashRecordError);
    expect(check).toThrow(message);
  });
});

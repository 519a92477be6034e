import { Readable } from 'node:stream';
import { runBasicAuthCommand } from '../../cli/basic-auth';
import { verifyPassword } from '../../lambda/policy/basic/password-hash';
import { parseUserStore } from '../../lambda/policy/basic/user-store';
import { startSecretsManager, useLocalAws } from '../lambda/token-broker/support';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:partners-AbCdEf';

describe('gatehouse basic-auth', () => {
  let secrets: Map<string, string>;
  let server: Awaited<ReturnType<typeof startSecretsManager>>;

  beforeAll(async () => {
    secrets = new Map([[SECRET, '{"users":{}}']]);
    server = await startSecretsManager(secrets);
    useLocalAws({});
  });

  afterAll(async () => {
    await server?.close();
  });

  async function run(args: string[], stdin = '') {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const status = await runBasicAuthCommand(
      [...args, '--secret', SECRET, '--endpoint', server.url],
      { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) },
      Readable.from([stdin]),
    );
    return { status, stdout: stdout.join(''), stderr: stderr.join('') };
  }

  const users = () => parseUserStore(secrets.get(SECRET)!);

  test('adds a user with a hash of the stdin password', async () => {
    const result = await run(['add', '--user', 'alice', '--password-stdin'], 'pa:ss wörd\nignored');

    expect(result.status).toBe(0);
    expect(await verifyPassword(users().get('alice'), 'pa:ss wörd')).toBe(true);
    expect(secrets.get(SECRET)).not.toContain('pa:ss wörd');
  });

  test('rejects adding a user that exists', async () => {
    const result = await run(['add', '--user', 'alice', '--password-stdin'], 'other');

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("user 'alice' already exists");
  });

  test('rotates a password from an environment variable', async () => {
    process.env.NEW_PASSWORD = 'rotated-password';

    const result = await run(['rotate', '--user', 'alice', '--password-env', 'NEW_PASSWORD']);

    expect(result.status).toBe(0);
    expect(await verifyPassword(users().get('alice'), 'rotated-password')).toBe(true);
    expect(await verifyPassword(users().get('alice'), 'pa:ss wörd')).toBe(false);
  });

  test('prints a generated password once', async () => {
    const result = await run(['add', '--user', 'bob', '--generate']);

    const generated = /shown once\): (\S+)/.exec(result.stdout)?.[1] ?? '';
    expect(generated).toHaveLength(24);
    expect(await verifyPassword(users().get('bob'), generated)).toBe(true);
  });

  test('lists user ids without hashes', async () => {
    const result = await run(['list']);

    expect(result.stdout).toBe('alice\nbob\n');
  });

  test('removes a user', async () => {
    const result = await run(['remove', '--user', 'bob']);

    expect(result.status).toBe(0);
    expect(users().has('bob')).toBe(false);
  });

  test('rejects rotating an unknown user', async () => {
    const result = await run(['rotate', '--user', 'nobody', '--generate']);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("user 'nobody' not found");
  });

  test.each([
    [
      'a user id with a colon',
      ['add', '--user', 'a:b', '--generate'],
      "--user must be 1 to 128 characters without ':'",
    ],
    ['no password source', ['add', '--user', 'carol'], 'give exactly one of'],
    [
      'two password sources',
      ['add', '--user', 'carol', '--generate', '--password-stdin'],
      'give exactly one of',
    ],
    [
      'an unknown action',
      ['grant', '--user', 'carol'],
      'expected one action of add, rotate, remove or list, got grant',
    ],
  ])('answers status 2 for %s', async (_name, args, message) => {
    const result = await run(args);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });

  test('rejects an empty password from stdin', async () => {
    const result = await run(['add', '--user', 'carol', '--password-stdin'], '\n');

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('the password must be non-empty');
  });

  test('refuses to write back a store with an invalid record', async () => {
    secrets.set(SECRET, '{"users":{"eve":{"algorithm":"md5"}}}');

    const result = await run(['add', '--user', 'carol', '--generate']);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("the record of user 'eve' is invalid");
    expect(secrets.get(SECRET)).toBe('{"users":{"eve":{"algorithm":"md5"}}}');
  });
});

import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtKeys } from '../../../lib/jwt-validator/jwt-keys';
import { newStack, newValidator, thrownBy } from '../helpers';

function inlineKeys(keys: JwtKeys): Record<string, unknown>[] {
  const config = newValidator(newStack(), { keys })._compile().keys;
  if (config.kind !== 'inline') {
    throw new Error(`expected inline keys, got ${config.kind}`);
  }
  return [...config.keys];
}

function publicPem(key: KeyObject, type: 'spki' | 'pkcs1' = 'spki'): string {
  return key.export({ format: 'pem', type }) as string;
}

/** Makes a self-signed certificate with openssl and returns it with its key. */
function selfSignedCertificate(): { certificate: string; privateKey: string } {
  const directory = mkdtempSync(join(tmpdir(), 'gatehouse-cert-'));
  try {
    const keyFile = join(directory, 'key.pem');
    const certFile = join(directory, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=gatehouse-test',
      ],
      { stdio: 'ignore' },
    );
    return {
      certificate: readFileSync(certFile, 'utf8'),
      privateKey: readFileSync(keyFile, 'utf8'),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

describe('JwtKeys', () => {
  test('fromJwk keeps public members, kid, alg and use', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };

    const keys = inlineKeys(JwtKeys.fromJwk(jwk));

    expect(keys).toEqual([jwk]);
  });

  test('fromPem converts an SPKI EC key to a JWK', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

    const keys = inlineKeys(JwtKeys.fromPem(publicPem(publicKey), { kid: 'ec-1' }));

    expect(keys).toEqual([{ ...publicKey.export({ format: 'jwk' }), kid: 'ec-1' }]);
  });

  test('fromPem converts an RSA PUBLIC KEY', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

    const keys = inlineKeys(JwtKeys.fromPem(publicPem(publicKey, 'pkcs1')));

    expect(keys).toEqual([publicKey.export({ format: 'jwk' })]);
  });

  test('fromPem converts an Ed25519 key', () => {
    const { publicKey } = generateKeyPairSync('ed25519');

    const keys = inlineKeys(JwtKeys.fromPem(publicPem(publicKey)));

    expect(keys[0]).toEqual({ ...publicKey.export({ format: 'jwk' }) });
  });

  test('fromCertificate uses the certificate public key', () => {
    const { certificate, privateKey } = selfSignedCertificate();

    const keys = inlineKeys(JwtKeys.fromCertificate(certificate, { kid: 'cert-1' }));

    const expected = { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid: 'cert-1' };
    expect(keys).toEqual([expected]);
  });

  test('inline keys never contain a private member', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });

    const keys = inlineKeys(JwtKeys.fromPem(publicPem(publicKey)));

    expect(Object.keys(keys[0]).sort()).toEqual(['crv', 'kty', 'x', 'y']);
  });
});

describe('JwtKeys errors', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cases: [string, () => JwtKeys, string][] = [
    [
      'private RSA JWK',
      () => JwtKeys.fromJwk(rsa.privateKey.export({ format: 'jwk' }) as Record<string, unknown>),
      'JWK at index 0 contains private key members (d, p, q, dp, dq, qi); give the public key only',
    ],
    [
      'symmetric JWK',
      () => JwtKeys.fromJwk({ kty: 'oct', k: 'c2VjcmV0' }),
      'JWK at index 0 is a symmetric (oct) key; only public keys are allowed',
    ],
    [
      'JWK with a missing modulus',
      () => JwtKeys.fromJwk({ kty: 'RSA', e: 'AQAB' }),
      'JWK at index 0 is not a valid public JWK',
    ],
    [
      'empty JWK list',
      () => JwtKeys.fromJwk(),
      'JwtKeys.fromJwk() needs at least one key, got none',
    ],
    [
      'private PKCS#8 PEM',
      () => JwtKeys.fromPem(rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string),
      'PEM key is a private key; give the public key only',
    ],
    [
      'private PKCS#1 PEM',
      () => JwtKeys.fromPem(rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string),
      'PEM key is a private key; give the public key only',
    ],
    [
      'truncated PEM',
      () => JwtKeys.fromPem(publicPem(rsa.publicKey).slice(0, 80)),
      'PEM key is not a valid PUBLIC KEY or RSA PUBLIC KEY',
    ],
    [
      'X25519 key',
      () => JwtKeys.fromPem(publicPem(generateKeyPairSync('x25519').publicKey)),
      'PEM key has key type x25519; allowed types are rsa, rsa-pss, ec, ed25519',
    ],
    [
      'bad certificate',
      () => JwtKeys.fromCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
      'certificate is not a valid PEM X.509 certificate',
    ],
  ];

  test.each(cases)('rejects %s', (_name, keys, message) => {
    const error = thrownBy(() => newValidator(newStack(), { keys: keys() }));

    expect(error.code).toBe('InvalidJwtKey');
    expect(error.message).toContain(`keys: ${message}`);
  });

  test('error for a private key never contains key material', () => {
    const pem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const body = pem.split('\n')[1];

    const error = thrownBy(() => newValidator(newStack(), { keys: JwtKeys.fromPem(pem) }));

    expect(error.message).not.toContain(body);
  });
});

import fc from 'fast-check';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JwtValidatorConfig } from '../../../../lambda/policy/config';
import { AccessDenied } from '../../../../lambda/policy/failure';
import { verifyJwt } from '../../../../lambda/policy/jwt/verify-jwt';
import { createKeySet } from '../../../../lambda/policy/keys/key-set';
import {
  SigningKey,
  encodeSegment,
  generateSigningKey,
  signHs256,
  signJwt,
  signWith,
  unsignedJwt,
} from '../../../support/jwt';
import { jwtValidatorConfig } from '../../../support/policy-config';

// jose 6 is the reference for JOSE semantics: every token in the corpus must get the same
// accept or reject verdict from our verifier and from jose's jwtVerify.
const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'api://orders';
const NOW = 1_800_000_000;

type Verdict = 'accept' | 'reject';

let keys: SigningKey[];
let weakRsa: SigningKey;
let mainValidator: JwtValidatorConfig;
let weakValidator: JwtValidatorConfig;

beforeAll(() => {
  keys = [
    generateSigningKey('RS256'),
    generateSigningKey('PS256'),
    generateSigningKey('ES256'),
    generateSigningKey('EdDSA'),
  ];
  weakRsa = generateSigningKey('RS256', { rsaBits: 1024 });
  const withKeys = (signers: SigningKey[]) =>
    jwtValidatorConfig(
      ISSUER,
      { kind: 'inline', keys: signers.map((key) => key.jwk) },
      { clockSkewSeconds: 30, maxTokenAgeSeconds: 7200 },
    );
  mainValidator = withKeys(keys);
  weakValidator = withKeys([weakRsa]);
});

async function ourVerdict(token: string, validator = mainValidator): Promise<Verdict> {
  const keySet = createKeySet(validator.keys, validator.issuers, validator.keyCache);
  try {
    await verifyJwt(token, validator, keySet, NOW);
    return 'accept';
  } catch (error) {
    if (!(error instanceof AccessDenied)) {
      throw error;
    }
    return 'reject';
  }
}

async function joseVerdict(token: string, validator = mainValidator): Promise<Verdict> {
  const jwks = createLocalJWKSet({ keys: (validator.keys as unknown as { keys: never[] }).keys });
  try {
    await jwtVerify(token, jwks, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: [...validator.algorithms],
      clockTolerance: validator.clockSkewSeconds,
      currentDate: new Date(NOW * 1000),
      requiredClaims: ['exp'],
      maxTokenAge: validator.maxTokenAgeSeconds,
    });
    return 'accept';
  } catch {
    return 'reject';
  }
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'u1',
    iat: NOW - 60,
    exp: NOW + 600,
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete base[name];
    } else {
      base[name] = value;
    }
  }
  return base;
}

/** Builds the corpus for one key: a name and a token per case. */
function corpus(key: SigningKey): [string, string][] {
  const valid = signJwt(key, claims());
  const [header, payload, signature] = valid.split('.');
  const flipped = Buffer.from(signature, 'base64url');
  flipped[0] ^= 1;
  const resign = (head: Record<string, unknown>, body: unknown) => {
    const input = `${encodeSegment(head)}.${encodeSegment(body)}`;
    return `${input}.${signWith(key.alg, key.privateKey, input).toString('base64url')}`;
  };

  return [
    ['valid', valid],
    ['valid without kid', signJwt(key, claims(), { header: { kid: undefined } })],
    ['valid with audience array', signJwt(key, claims({ aud: ['x', AUDIENCE] }))],
    ['expired', signJwt(key, claims({ exp: NOW - 31 }))],
    ['expired within skew', signJwt(key, claims({ exp: NOW - 29 }))],
    ['expired exactly at the skew', signJwt(key, claims({ exp: NOW - 30 }))],
    ['nbf beyond skew', signJwt(key, claims({ nbf: NOW + 31 }))],
    ['nbf within skew', signJwt(key, claims({ nbf: NOW + 30 }))],
    ['too old', signJwt(key, claims({ iat: NOW - 7300 }))],
    ['iat in the future', signJwt(key, claims({ iat: NOW + 120 }))],
    ['missing iat with max age', signJwt(key, claims({ iat: undefined }))],
    ['wrong issuer', signJwt(key, claims({ iss: 'https://other.example.com/' }))],
    ['issuer array', signJwt(key, claims({ iss: [ISSUER] }))],
    ['wrong audience', signJwt(key, claims({ aud: 'api://other' }))],
    ['empty audience array', signJwt(key, claims({ aud: [] }))],
    ['missing audience', signJwt(key, claims({ aud: undefined }))],
    ['missing exp', signJwt(key, claims({ exp: undefined }))],
    ['exp as string', signJwt(key, claims({ exp: String(NOW + 600) }))],
    ['nbf as string', signJwt(key, claims({ nbf: String(NOW) }))],
    ['iat as string', signJwt(key, claims({ iat: String(NOW) }))],
    ['flipped signature bit', `${header}.${payload}.${flipped.toString('base64url')}`],
    ['empty signature', `${header}.${payload}.`],
    ['tampered payload', `${header}.${encodeSegment(claims({ sub: 'admin' }))}.${signature}`],
    ['alg none', unsignedJwt(claims(), key.kid)],
    ['HS256 with the public JWK as secret', signHs256(claims(), JSON.stringify(key.jwk), key.kid)],
    ['unknown kid', signJwt(key, claims(), { header: { kid: 'nobody' } })],
    [
      'alg swapped',
      resign({ alg: key.alg === 'RS256' ? 'PS256' : 'RS256', kid: key.kid }, claims()),
    ],
    ['crit header', resign({ alg: key.alg, kid: key.kid, crit: ['b64'], b64: false }, claims())],
    [
      'unknown crit',
      resign({ alg: key.alg, kid: key.kid, crit: ['x-custom'], 'x-custom': 1 }, claims()),
    ],
    ['payload array', resign({ alg: key.alg, kid: key.kid }, [claims()])],
    ['payload number', resign({ alg: key.alg, kid: key.kid }, 42)],
    ['attacker jwk header', resign({ alg: key.alg, kid: key.kid, jwk: keys[0].jwk }, claims())],
    ['two segments', `${header}.${payload}`],
    ['four segments', `${valid}.${signature}`],
  ];
}

describe('verifyJwt against jose jwtVerify', () => {
  test('agrees on every corpus token for each algorithm', async () => {
    const disagreements: string[] = [];
    let accepted = 0;

    for (const key of keys) {
      for (const [name, token] of corpus(key)) {
        const [ours, jose] = [await ourVerdict(token), await joseVerdict(token)];
        accepted += ours === 'accept' ? 1 : 0;
        if (ours !== jose) {
          disagreements.push(`${key.alg} ${name}: ours ${ours}, jose ${jose}`);
        }
      }
    }

    expect(disagreements).toEqual([]);
    expect(accepted).toBe(keys.length * 6);
  });

  test('both reject a 1024-bit RSA key', async () => {
    const token = signJwt(weakRsa, claims());

    const verdicts = [
      await ourVerdict(token, weakValidator),
      await joseVerdict(token, weakValidator),
    ];

    expect(verdicts).toEqual(['reject', 'reject']);
  });

  test('agrees on random single-character mutations of valid tokens', async () => {
    const tokens = keys.map((key) => signJwt(key, claims()));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';

    await fc.assert(
      fc.asyncProperty(
        fc.nat(tokens.length - 1),
        fc.nat(),
        fc.constantFrom(...alphabet.split('')),
        async (which, position, replacement) => {
          const token = tokens[which];
          const index = position % token.length;
          const mutated = token.slice(0, index) + replacement + token.slice(index + 1);
          fc.pre(everySegmentCanonical(mutated));

          expect(await ourVerdict(mutated)).toBe(await joseVerdict(mutated));
        },
      ),
      { numRuns: 300, seed: 20261204 },
    );
  });

  test('is stricter than jose on non-canonical base64url', async () => {
    const token = signJwt(keys[2], claims());
    const [header, payload, signature] = token.split('.');
    const last = signature[signature.length - 1];
    const alias = nonCanonicalAlias(last);
    const mutated = `${header}.${payload}.${signature.slice(0, -1)}${alias}`;

    const verdicts = [await ourVerdict(mutated), await joseVerdict(mutated)];

    expect(verdicts).toEqual(['reject', 'accept']);
  });
});

/** Tells whether each segment decodes and re-encodes to itself. */
function everySegmentCanonical(token: string): boolean {
  return token
    .split('.')
    .every((segment) => Buffer.from(segment, 'base64url').toString('base64url') === segment);
}

/**
 * Returns another base64url character that decodes to the same bytes when it is the last
 * character of an ES256 signature (86 characters, so the last one carries 2 unused bits).
 */
function nonCanonicalAlias(char: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return alphabet[alphabet.indexOf(char) + 1];
}

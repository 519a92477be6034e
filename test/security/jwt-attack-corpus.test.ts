import { CompactEncrypt, importJWK } from 'jose';
import { createHmac, createPublicKey } from 'node:crypto';
import type { JwtValidatorConfig } from '../../lambda/policy/config';
import { LoadedAuthorizer, invoke } from '../support/authorizer';
import { RequestEventOptions, requestEvent } from '../support/events';
import { encodeSegment } from '../support/jwt';
import {
  JwtFixture,
  REQUIRED_SCOPE,
  derSignature,
  flipTrailingBits,
  nestedJson,
  publicPem,
  signRaw,
  withSignature,
} from './fixture';

/** What an attack sends: a token for `Authorization: Bearer`, or the parts of a request. */
type Attack = string | Pick<RequestEventOptions, 'headers' | 'multiValueHeaders' | 'query'>;

interface AttackCase {
  readonly name: string;
  readonly attack: (f: JwtFixture, now: number) => Attack | Promise<Attack>;
  /** The denial code the decision log must show. */
  readonly code: string;
  /** Validator settings of this case, on top of the fixture's. */
  readonly validator?: Partial<JwtValidatorConfig>;
}

/** Codes of a caller who is known but lacks a claim: API Gateway returns 403, not 401. */
const FORBIDDEN_CODES = new Set(['CLAIM_MISSING', 'CLAIM_NOT_SATISFIED']);

/** Order of the P-256 curve, for ECDSA signatures with r = s = n. */
const P256_ORDER = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551';

const hmacToken = (alg: 'HS256' | 'HS384' | 'HS512', secret: string, claims: unknown) => {
  const input = `${encodeSegment({ alg, typ: 'JWT', kid: 'rs-1' })}.${encodeSegment(claims)}`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
};

const ALGORITHM_CONFUSION: AttackCase[] = [
  {
    name: 'alg none with an empty signature',
    attack: (f) => `${encodeSegment({ alg: 'none', typ: 'JWT' })}.${encodeSegment(f.claims())}.`,
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'alg None in mixed case',
    attack: (f) => `${encodeSegment({ alg: 'None' })}.${encodeSegment(f.claims())}.`,
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'alg NONE keeping the original signature',
    attack: (f) => {
      const [, payload, signature] = f.sign(f.rs).split('.');
      return `${encodeSegment({ alg: 'NONE', kid: 'rs-1' })}.${payload}.${signature}`;
    },
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'HS256 keyed with the RSA public key PEM',
    attack: (f) => hmacToken('HS256', publicPem(f.rs), f.claims()),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'HS384 keyed with the RSA public key PEM',
    attack: (f) => hmacToken('HS384', publicPem(f.rs), f.claims()),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'HS512 keyed with the JWK modulus',
    attack: (f) => hmacToken('HS512', String(f.rs.jwk.n), f.claims()),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'HS256 keyed with the EC public key PEM',
    attack: (f) => hmacToken('HS256', publicPem(f.es), f.claims()),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'HS256 keyed with the JWKS symmetric key',
    attack: (f) => {
      const input = `${encodeSegment({ alg: 'HS256', kid: 'oct-1' })}.${encodeSegment(f.claims())}`;
      const mac = createHmac('sha256', 'shared-secret').update(input).digest('base64url');
      return `${input}.${mac}`;
    },
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'RS256 header over a PS256 signature',
    attack: (f) => {
      const pss = f.sign(f.ps, f.claims(), { kid: 'rs-1' });
      const [, payload, signature] = pss.split('.');
      const header = encodeSegment({ alg: 'RS256', typ: 'JWT', kid: 'rs-1' });
      return `${header}.${payload}.${signature}`;
    },
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'ES256 header naming an RSA key',
    attack: (f) => f.sign(f.es, f.claims(), { kid: 'rs-1' }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'EdDSA header naming an EC key',
    attack: (f) => f.sign(f.ed, f.claims(), { kid: 'es-1' }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'alg outside the allow-list (RS384)',
    attack: (f) => f.sign(f.rs, f.claims(), { alg: 'RS384' }),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'alg Ed25519 when only EdDSA is listed',
    attack: (f) => f.sign(f.ed, f.claims(), { alg: 'Ed25519' }),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'alg in lower case',
    attack: (f) => f.sign(f.rs, f.claims(), { alg: 'rs256' }),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'alg with a trailing space',
    attack: (f) => f.sign(f.rs, f.claims(), { alg: 'RS256 ' }),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'alg as an array',
    attack: (f) => f.sign(f.rs, f.claims(), { alg: ['RS256'] }),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'alg missing from the header',
    attack: (f) =>
      signRaw(f.rs, encodeSegment({ typ: 'JWT', kid: 'rs-1' }), encodeSegment(f.claims()), 'RS256'),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'alg toString inherited from Object',
    attack: (f) => f.sign(f.rs, f.claims(), { alg: 'toString' }),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
];

const SIGNATURE_TAMPERING: AttackCase[] = [
  {
    name: 'signature stripped, trailing dot kept',
    attack: (f) => withSignature(f.sign(f.rs), ''),
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'signature stripped with its dot',
    attack: (f) => f.sign(f.rs).split('.').slice(0, 2).join('.'),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'signature copied from another token of the same key',
    attack: (f) => {
      const other = f.sign(f.rs, f.claims({ sub: 'someone-else' })).split('.')[2];
      return withSignature(f.sign(f.rs, f.claims({ sub: 'admin' })), other);
    },
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'RSA signature of zero bytes',
    attack: (f) => withSignature(f.sign(f.rs), Buffer.alloc(256).toString('base64url')),
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'ECDSA signature with r = s = 0',
    attack: (f) => withSignature(f.sign(f.es), Buffer.alloc(64).toString('base64url')),
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'ECDSA signature with r = s = curve order',
    attack: (f) =>
      withSignature(
        f.sign(f.es),
        Buffer.from(P256_ORDER + P256_ORDER, 'hex').toString('base64url'),
      ),
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'EdDSA signature of zero bytes',
    attack: (f) => withSignature(f.sign(f.ed), Buffer.alloc(64).toString('base64url')),
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'signature one byte short',
    attack: (f) => {
      const signature = Buffer.from(f.sign(f.rs).split('.')[2], 'base64url');
      return withSignature(f.sign(f.rs), signature.subarray(1).toString('base64url'));
    },
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'ECDSA signature with a byte appended',
    attack: (f) => {
      const token = f.sign(f.es);
      const signature = Buffer.from(token.split('.')[2], 'base64url');
      return withSignature(token, Buffer.concat([signature, Buffer.of(0)]).toString('base64url'));
    },
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'ECDSA signature in DER form',
    attack: (f) => {
      const token = f.sign(f.es);
      const input = token.split('.').slice(0, 2).join('.');
      return withSignature(token, derSignature(f.es.privateKey, input).toString('base64url'));
    },
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'payload subject changed after signing',
    attack: (f) => {
      const [header, , signature] = f.sign(f.rs).split('.');
      return `${header}.${encodeSegment(f.claims({ sub: 'admin' }))}.${signature}`;
    },
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'scope widened after signing',
    attack: (f) => {
      const [header, , signature] = f.sign(f.rs, f.claims({ scope: 'profile' })).split('.');
      return `${header}.${encodeSegment(f.claims())}.${signature}`;
    },
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'header kid changed to another RSA key',
    attack: (f) => {
      const [, payload, signature] = f.sign(f.rs).split('.');
      const header = encodeSegment({ alg: 'RS256', typ: 'JWT', kid: 'dup' });
      return `${header}.${payload}.${signature}`;
    },
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'header typ changed after signing',
    attack: (f) => {
      const [, payload, signature] = f.sign(f.rs).split('.');
      return `${encodeSegment({ alg: 'RS256', typ: 'at+jwt', kid: 'rs-1' })}.${payload}.${signature}`;
    },
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'attacker key signing under a trusted kid',
    attack: (f) => f.sign(f.extra.evil),
    code: 'SIGNATURE_INVALID',
  },
];

const KEY_SELECTION: AttackCase[] = [
  {
    name: 'kid with a path traversal',
    attack: (f) => f.sign(f.rs, f.claims(), { kid: '../../../../dev/null' }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'kid with an SQL injection',
    attack: (f) => f.sign(f.rs, f.claims(), { kid: "rs-1' OR '1'='1" }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'kid with a NUL after a trusted id',
    attack: (f) => f.sign(f.rs, f.claims(), { kid: 'rs-1\u0000' }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'kid __proto__',
    attack: (f) => f.sign(f.rs, f.claims(), { kid: '__proto__' }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'kid empty string',
    attack: (f) => f.sign(f.rs, f.claims(), { kid: '' }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'kid as a number',
    attack: (f) => f.sign(f.rs, f.claims(), { kid: 1 }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'kid as an array holding a trusted id',
    attack: (f) => f.sign(f.rs, f.claims(), { kid: ['rs-1'] }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'kid as an object',
    attack: (f) => f.sign(f.rs, f.claims(), { kid: { $ne: null } }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'kid missing while several RSA keys fit',
    attack: (f) => f.sign(f.rs, f.claims(), { kid: undefined }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'kid shared by two keys, signed by the second',
    attack: (f) => f.sign(f.extra.dupB),
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'key marked use enc',
    attack: (f) => f.sign(f.extra.enc),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'key whose key_ops lack verify',
    attack: (f) => f.sign(f.extra.ops),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'key whose alg PS256 disagrees with an RS256 token',
    attack: (f) =>
      signRaw(
        f.extra.psOnly,
        encodeSegment({ alg: 'RS256', kid: 'ps-only' }),
        encodeSegment(f.claims()),
        'RS256',
      ),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: '1024-bit RSA key',
    attack: (f) => f.sign(f.extra.weak),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'ES256 token naming a P-384 key',
    attack: (f) => f.sign(f.extra.p384, f.claims(), { alg: 'ES256' }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'RS256 token naming the symmetric key',
    attack: (f) => f.sign(f.rs, f.claims(), { kid: 'oct-1' }),
    code: 'KEY_NOT_FOUND',
  },
];

const HEADER_CARRIED_KEYS: AttackCase[] = [
  {
    name: 'jwk header with the attacker key and no kid',
    attack: (f) => f.sign(f.extra.evil, f.claims(), { kid: undefined, jwk: f.extra.evil.jwk }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'jwk header with the attacker key under a trusted kid',
    attack: (f) => f.sign(f.extra.evil, f.claims(), { jwk: f.extra.evil.jwk }),
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'jku header pointing at the attacker JWKS',
    attack: (f) => f.sign(f.extra.evil, f.claims(), { kid: 'evil-1', jku: f.attacker.jwksUrl }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'x5u header pointing at the attacker',
    attack: (f) =>
      f.sign(f.extra.evil, f.claims(), { kid: 'evil-2', x5u: `${f.attacker.baseUrl}/cert.pem` }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'x5c header with an attacker certificate chain',
    attack: (f) =>
      f.sign(f.extra.evil, f.claims(), {
        kid: undefined,
        x5c: [
          createPublicKey(f.extra.evil.privateKey)
            .export({ format: 'der', type: 'spki' })
            .toString('base64'),
        ],
      }),
    code: 'KEY_NOT_FOUND',
  },
  {
    name: 'x5t#S256 header naming an attacker certificate',
    attack: (f) => f.sign(f.extra.evil, f.claims(), { kid: undefined, 'x5t#S256': 'A'.repeat(43) }),
    code: 'KEY_NOT_FOUND',
  },
];

const CRIT_AND_JWE: AttackCase[] = [
  {
    name: 'crit naming a registered claim',
    attack: (f) => f.sign(f.rs, f.claims(), { crit: ['exp'], exp: 1 }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'crit as an empty list',
    attack: (f) => f.sign(f.rs, f.claims(), { crit: [] }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'crit b64 with an unencoded payload',
    attack: (f) => f.sign(f.rs, f.claims(), { crit: ['b64'], b64: false }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'crit naming an unknown extension',
    attack: (f) =>
      f.sign(f.rs, f.claims(), { crit: ['urn:example:tenant'], 'urn:example:tenant': 'x' }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'JWE compact token encrypted to the RSA key',
    attack: async (f) => {
      const key = await importJWK({ ...f.rs.jwk, alg: 'RSA-OAEP-256', use: 'enc' }, 'RSA-OAEP-256');
      return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(f.claims())))
        .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'rs-1' })
        .encrypt(key);
    },
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'JWE alg in a three-part token',
    attack: (f) => f.sign(f.rs, f.claims(), { alg: 'RSA-OAEP', enc: 'A256GCM' }),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
  {
    name: 'JWE dir alg in a three-part token',
    attack: (f) => f.sign(f.rs, f.claims(), { alg: 'dir', enc: 'A128CBC-HS256' }),
    code: 'ALGORITHM_NOT_ALLOWED',
  },
];

const CLAIM_SHAPES: AttackCase[] = [
  {
    name: 'aud as a number',
    attack: (f) => f.sign(f.rs, f.claims({ aud: 42 })),
    code: 'AUDIENCE_NOT_ALLOWED',
  },
  {
    name: 'aud as an object keyed by index',
    attack: (f) => f.sign(f.rs, f.claims({ aud: { 0: 'api://orders' } })),
    code: 'AUDIENCE_NOT_ALLOWED',
  },
  {
    name: 'aud nested one array deeper',
    attack: (f) => f.sign(f.rs, f.claims({ aud: [['api://orders']] })),
    code: 'AUDIENCE_NOT_ALLOWED',
  },
  {
    name: 'aud with a trailing space',
    attack: (f) => f.sign(f.rs, f.claims({ aud: 'api://orders ' })),
    code: 'AUDIENCE_NOT_ALLOWED',
  },
  {
    name: 'aud as an empty array',
    attack: (f) => f.sign(f.rs, f.claims({ aud: [] })),
    code: 'AUDIENCE_NOT_ALLOWED',
  },
  {
    name: 'aud as null',
    attack: (f) => f.sign(f.rs, f.claims({ aud: null })),
    code: 'AUDIENCE_NOT_ALLOWED',
  },
  {
    name: 'iss as null',
    attack: (f) => f.sign(f.rs, f.claims({ iss: null })),
    code: 'ISSUER_NOT_ALLOWED',
  },
  {
    name: 'iss in upper case',
    attack: (f) => f.sign(f.rs, f.claims({ iss: 'HTTPS://IDP.EXAMPLE.COM/' })),
    code: 'ISSUER_NOT_ALLOWED',
  },
  {
    name: 'iss without its trailing slash',
    attack: (f) => f.sign(f.rs, f.claims({ iss: 'https://idp.example.com' })),
    code: 'ISSUER_NOT_ALLOWED',
  },
  {
    name: 'iss as an object',
    attack: (f) => f.sign(f.rs, f.claims({ iss: { toString: 'https://idp.example.com/' } })),
    code: 'ISSUER_NOT_ALLOWED',
  },
  {
    name: 'exp as a numeric string',
    attack: (f, now) => f.sign(f.rs, f.claims({ exp: String(now + 3600) })),
    code: 'CLAIM_INVALID',
  },
  {
    name: 'exp as true',
    attack: (f) => f.sign(f.rs, f.claims({ exp: true })),
    code: 'CLAIM_INVALID',
  },
  {
    name: 'exp as null',
    attack: (f) => f.sign(f.rs, f.claims({ exp: null })),
    code: 'CLAIM_INVALID',
  },
  {
    name: 'exp as an array',
    attack: (f, now) => f.sign(f.rs, f.claims({ exp: [now + 3600] })),
    code: 'CLAIM_INVALID',
  },
  {
    name: 'exp overflowing to Infinity',
    attack: (f) => {
      const payload = JSON.stringify(f.claims()).replace(/"exp":\d+/, '"exp":1e400');
      return signRaw(f.rs, encodeSegment({ alg: 'RS256', kid: 'rs-1' }), encodeSegment(payload));
    },
    code: 'CLAIM_INVALID',
  },
  {
    name: 'nbf as an object',
    attack: (f) => f.sign(f.rs, f.claims({ nbf: {} })),
    code: 'CLAIM_INVALID',
  },
  {
    name: 'iat as null',
    attack: (f) => f.sign(f.rs, f.claims({ iat: null })),
    code: 'CLAIM_INVALID',
  },
  {
    name: 'scope as an object',
    attack: (f) => f.sign(f.rs, f.claims({ scope: { [REQUIRED_SCOPE]: true } })),
    code: 'CLAIM_MISSING',
  },
  {
    name: 'scope with a longer name sharing the prefix',
    attack: (f) => f.sign(f.rs, f.claims({ scope: `${REQUIRED_SCOPE}x` })),
    code: 'CLAIM_NOT_SATISFIED',
  },
  {
    name: 'scope separated by commas',
    attack: (f) => f.sign(f.rs, f.claims({ scope: `${REQUIRED_SCOPE},orders.write` })),
    code: 'CLAIM_NOT_SATISFIED',
  },
  {
    name: 'scope separated by a tab',
    attack: (f) => f.sign(f.rs, f.claims({ scope: `${REQUIRED_SCOPE}\torders.write` })),
    code: 'CLAIM_NOT_SATISFIED',
  },
  {
    name: 'scope array holding one space-joined string',
    attack: (f) => f.sign(f.rs, f.claims({ scope: [`${REQUIRED_SCOPE} orders.write`] })),
    code: 'CLAIM_NOT_SATISFIED',
  },
  {
    name: 'scope hidden under __proto__',
    attack: (f) => {
      const payload = JSON.stringify(f.claims({ scope: undefined })).replace(
        /^\{/,
        `{"__proto__":{"scope":"${REQUIRED_SCOPE}"},`,
      );
      return signRaw(f.rs, encodeSegment({ alg: 'RS256', kid: 'rs-1' }), encodeSegment(payload));
    },
    code: 'CLAIM_MISSING',
  },
];

const TIME_EDGES: AttackCase[] = [
  {
    name: 'exp exactly at now minus the skew',
    attack: (f, now) => f.sign(f.rs, f.claims({ exp: now - 60 })),
    code: 'TOKEN_EXPIRED',
  },
  { name: 'exp of zero', attack: (f) => f.sign(f.rs, f.claims({ exp: 0 })), code: 'TOKEN_EXPIRED' },
  {
    name: 'exp negative',
    attack: (f) => f.sign(f.rs, f.claims({ exp: -1 })),
    code: 'TOKEN_EXPIRED',
  },
  {
    name: 'nbf one second past the skew',
    attack: (f, now) => f.sign(f.rs, f.claims({ nbf: now + 61 })),
    code: 'TOKEN_NOT_YET_VALID',
  },
  {
    name: 'iat in the future beyond the skew with a maximum age',
    attack: (f, now) => f.sign(f.rs, f.claims({ iat: now + 120 })),
    code: 'TOKEN_NOT_YET_VALID',
    validator: { maxTokenAgeSeconds: 600 },
  },
  {
    name: 'iat older than the maximum age',
    attack: (f, now) => f.sign(f.rs, f.claims({ iat: now - 661 })),
    code: 'TOKEN_EXPIRED',
    validator: { maxTokenAgeSeconds: 600 },
  },
  {
    name: 'iat missing with a maximum age',
    attack: (f) => f.sign(f.rs, f.claims({ iat: undefined })),
    code: 'CLAIM_INVALID',
    validator: { maxTokenAgeSeconds: 600 },
  },
];

const SIZE_AND_ENCODING: AttackCase[] = [
  {
    name: 'token past the length limit with a valid signature',
    attack: (f) => f.sign(f.rs, f.claims({ padding: 'x'.repeat(10000) })),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'aud nested 2000 arrays deep',
    attack: (f) => {
      const payload = JSON.stringify(f.claims({ aud: 'AUD' })).replace(
        '"AUD"',
        nestedJson(2000, '"api://orders"'),
      );
      return signRaw(f.rs, encodeSegment({ alg: 'RS256', kid: 'rs-1' }), encodeSegment(payload));
    },
    code: 'AUDIENCE_NOT_ALLOWED',
  },
  {
    name: 'kid nested 2000 arrays deep',
    attack: (f) =>
      signRaw(
        f.rs,
        encodeSegment(`{"alg":"RS256","kid":${nestedJson(2000, '"rs-1"')}}`),
        encodeSegment(f.claims()),
      ),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'Authorization header of 64 KiB',
    attack: () => 'a'.repeat(64 * 1024),
    code: 'TOKEN_MALFORMED',
  },
  { name: 'token of 5000 dots', attack: () => '.'.repeat(5000), code: 'TOKEN_MALFORMED' },
  { name: 'token of two dots only', attack: () => '..', code: 'TOKEN_MALFORMED' },
  {
    name: 'header segment with base64 padding',
    attack: (f) => {
      const header = encodeSegment({ alg: 'RS256', kid: 'rs-1' });
      return signRaw(
        f.rs,
        header.padEnd(Math.ceil(header.length / 4) * 4, '='),
        encodeSegment(f.claims()),
      );
    },
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'signature segment with base64 padding',
    attack: (f) => {
      const token = f.sign(f.rs);
      const signature = token.split('.')[2];
      return withSignature(token, signature.padEnd(Math.ceil(signature.length / 4) * 4, '='));
    },
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'header in the standard base64 alphabet',
    attack: (f) => {
      // '???' encodes to a '/' in standard base64, so the header must use that alphabet.
      const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'rs-1', x: '???' }))
        .toString('base64')
        .replace(/=+$/, '');
      return signRaw(f.rs, header, encodeSegment(f.claims()));
    },
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'signature with non-zero trailing bits',
    attack: (f) => {
      const token = f.sign(f.rs);
      return withSignature(token, flipTrailingBits(token.split('.')[2]));
    },
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'payload with non-zero trailing bits, signed as sent',
    attack: (f) => {
      let payload = encodeSegment(f.claims());
      while (payload.length % 4 === 0) {
        payload = encodeSegment(f.claims({ pad: 'x'.repeat(payload.length % 7) + 'y' }));
      }
      return signRaw(f.rs, encodeSegment({ alg: 'RS256', kid: 'rs-1' }), flipTrailingBits(payload));
    },
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'segment of impossible length',
    attack: (f) => {
      const [header, payload] = f.sign(f.rs).split('.');
      return `${header}.${payload}.AAAAA`;
    },
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'header with a byte order mark',
    attack: (f) =>
      signRaw(f.rs, encodeSegment('\ufeff{"alg":"RS256","kid":"rs-1"}'), encodeSegment(f.claims())),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'header encoded as UTF-16',
    attack: (f) =>
      signRaw(
        f.rs,
        Buffer.from('{"alg":"RS256","kid":"rs-1"}', 'utf16le').toString('base64url'),
        encodeSegment(f.claims()),
      ),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'header as a JSON array',
    attack: (f) => signRaw(f.rs, encodeSegment('[{"alg":"RS256"}]'), encodeSegment(f.claims())),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'header as a JSON string',
    attack: (f) => signRaw(f.rs, encodeSegment('"RS256"'), encodeSegment(f.claims())),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'payload of JSON null',
    attack: (f) =>
      signRaw(f.rs, encodeSegment({ alg: 'RS256', kid: 'rs-1' }), encodeSegment('null')),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'payload that is not JSON',
    attack: (f) =>
      signRaw(f.rs, encodeSegment({ alg: 'RS256', kid: 'rs-1' }), encodeSegment('sub=admin')),
    code: 'TOKEN_MALFORMED',
  },
];

const TOKEN_PLACEMENT: AttackCase[] = [
  {
    name: 'two Authorization headers',
    attack: (f) => ({
      multiValueHeaders: {
        Authorization: [`Bearer ${f.sign(f.extra.evil)}`, `Bearer ${f.sign(f.rs)}`],
      },
    }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'Authorization header repeated in another letter case',
    attack: (f) => ({
      multiValueHeaders: {
        Authorization: [`Bearer ${f.sign(f.rs)}`],
        authorization: [`Bearer ${f.sign(f.extra.evil)}`],
      },
    }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'JWT sent with the Basic scheme',
    attack: (f) => ({ headers: { Authorization: `Basic ${f.sign(f.rs)}` } }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'scheme and token without a space',
    attack: (f) => ({ headers: { Authorization: `Bearer${f.sign(f.rs)}` } }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'a second word after the token',
    attack: (f) => ({ headers: { Authorization: `Bearer ${f.sign(f.rs)} admin` } }),
    code: 'TOKEN_MALFORMED',
  },
  {
    name: 'token in a query parameter the validator does not read',
    attack: (f) => ({ query: { access_token: f.sign(f.rs) } }),
    code: 'TOKEN_MISSING',
  },
  {
    name: 'token in a cookie the validator does not read',
    attack: (f) => ({ headers: { Cookie: `access_token=${f.sign(f.rs)}` } }),
    code: 'TOKEN_MISSING',
  },
  {
    name: 'empty Bearer credentials',
    attack: () => ({ headers: { Authorization: 'Bearer ' } }),
    code: 'TOKEN_MALFORMED',
  },
];

const CORPUS: AttackCase[] = [
  ...ALGORITHM_CONFUSION,
  ...SIGNATURE_TAMPERING,
  ...KEY_SELECTION,
  ...HEADER_CARRIED_KEYS,
  ...CRIT_AND_JWE,
  ...CLAIM_SHAPES,
  ...TIME_EDGES,
  ...SIZE_AND_ENCODING,
  ...TOKEN_PLACEMENT,
];

let fixture: JwtFixture;
let now: number;
const authorizers = new Map<string, LoadedAuthorizer>();

beforeAll(async () => {
  fixture = await JwtFixture.start();
  // The clock is frozen, so time edges are exact and the cases cannot cross a second.
  now = Math.floor(Date.now() / 1000);
  jest.spyOn(Date, 'now').mockReturnValue(now * 1000 + 500);
});

afterAll(async () => {
  jest.restoreAllMocks();
  await fixture.close();
});

function authorizerFor(validator: Partial<JwtValidatorConfig> = {}): LoadedAuthorizer {
  const key = JSON.stringify(validator);
  let authorizer = authorizers.get(key);
  if (authorizer === undefined) {
    authorizer = fixture.authorizer(validator);
    authorizers.set(key, authorizer);
  }
  return authorizer;
}

function eventFor(attack: Attack) {
  return typeof attack === 'string'
    ? requestEvent({ headers: { Authorization: `Bearer ${attack}` } })
    : requestEvent(attack);
}

describe('JWT attack corpus', () => {
  test('holds at least 60 cases with distinct names', () => {
    const names = new Set(CORPUS.map((row) => row.name));

    expect(CORPUS.length).toBeGreaterThanOrEqual(60);
    expect(names.size).toBe(CORPUS.length);
  });

  test('accepts the untampered token of each key (control)', async () => {
    const authorizer = authorizerFor();

    const calls = await Promise.all(
      [fixture.rs, fixture.ps, fixture.es, fixture.ed].map((key) =>
        invoke(authorizer, eventFor(fixture.sign(key))),
      ),
    );

    expect(calls.map((call) => call.outcome)).toEqual(['allow', 'allow', 'allow', 'allow']);
  });

  test.each(CORPUS.map((row) => [row.name, row] as const))('denies %s', async (_name, row) => {
    const attack = await row.attack(fixture, now);
    const status = FORBIDDEN_CODES.has(row.code) ? 403 : 401;

    const call = await invoke(authorizerFor(row.validator), eventFor(attack));

    expect(call.outcome).toBe(status === 401 ? 'unauthorized' : 'deny');
    expect(call.log.code).toBe(row.code);
    expect(call.log.status).toBe(status);
    const signature = typeof attack === 'string' ? attack.split('.')[2] : undefined;
    if (signature && signature.length > 16) {
      expect(call.rawLog).not.toContain(signature);
    }
  });

  test('never fetches from a URL a token header names', () => {
    const attackerRequests = [...fixture.attacker.requests.values()].reduce((a, b) => a + b, 0);

    expect(attackerRequests).toBe(0);
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GATEHOUSE_BUNDLE, buildPeers } from '../../bench/lib/bundles';
import { ChildHandle } from '../../bench/lib/child';
import { jwksPath } from '../../bench/lib/handlers';
import {
  JwksServer,
  LoopbackCertificate,
  makeLoopbackCertificate,
  removeLoopbackCertificate,
} from '../../bench/lib/jwks-server';
import {
  AUDIENCE,
  ISSUER,
  SigningKey,
  generateSigningKey,
  signToken,
} from '../../bench/lib/tokens';
import { signHs256, unsignedJwt, standardClaims } from '../support/jwt';

// Every handler the benchmark compares must reach the same verdict on the same token, or the
// comparison measures different work. Each runs in its own process because the JWKS is served
// over TLS and Node.js reads NODE_EXTRA_CA_CERTS only at start-up.

const CHILD = join(__dirname, '..', '..', 'bench', 'children', 'key-set.ts');
const now = () => Math.floor(Date.now() / 1000);

let certificate: LoopbackCertificate;
let server: JwksServer;
let rsaKey: SigningKey;
let ecKey: SigningKey;
let otherKey: SigningKey;
const children = new Map<string, ChildHandle>();

const cases: { name: string; allowed: boolean; token: () => string }[] = [
  { name: 'valid RS256 token', allowed: true, token: () => signToken(rsaKey) },
  { name: 'valid ES256 token', allowed: true, token: () => signToken(ecKey) },
  {
    name: 'role in a space-separated string',
    allowed: true,
    token: () => signToken(rsaKey, { claims: { roles: 'Orders.Write Orders.Read' } }),
  },
  {
    name: 'wrong issuer',
    allowed: false,
    token: () => signToken(rsaKey, { claims: { iss: 'https://evil.example/' } }),
  },
  {
    name: 'wrong audience',
    allowed: false,
    token: () => signToken(rsaKey, { claims: { aud: 'api://other' } }),
  },
  {
    name: 'expired',
    allowed: false,
    token: () => signToken(rsaKey, { claims: { exp: now() - 600 } }),
  },
  {
    name: 'not yet valid',
    allowed: false,
    token: () => signToken(rsaKey, { claims: { nbf: now() + 600 } }),
  },
  {
    name: 'missing exp',
    allowed: false,
    token: () => signToken(rsaKey, { claims: { exp: undefined } }),
  },
  {
    name: 'missing required role',
    allowed: false,
    token: () => signToken(rsaKey, { claims: { roles: ['Orders.Write'] } }),
  },
  {
    name: 'signed by another key under a known kid',
    allowed: false,
    token: () => signToken(otherKey, { header: { kid: rsaKey.kid } }),
  },
  {
    name: 'alg none',
    allowed: false,
    token: () => unsignedJwt(standardClaims(ISSUER, AUDIENCE), rsaKey.kid),
  },
  {
    name: 'HS256 keyed with the RSA public key',
    allowed: false,
    token: () =>
      signHs256(
        { ...standardClaims(ISSUER, AUDIENCE), roles: ['Orders.Read'] },
        rsaKey.publicKey.export({ type: 'spki', format: 'pem' }),
        rsaKey.kid,
      ),
  },
  { name: 'unknown kid', allowed: false, token: () => signToken(otherKey) },
];

beforeAll(async () => {
  certificate = makeLoopbackCertificate();
  server = new JwksServer(certificate);
  await server.start();
  rsaKey = generateSigningKey('RS256');
  ecKey = generateSigningKey('ES256');
  otherKey = generateSigningKey('RS256');

  const subjects: [string, string | undefined][] = Object.entries(await buildPeers());
  if (existsSync(GATEHOUSE_BUNDLE)) {
    subjects.push(['gatehouse', undefined]);
  }
  await Promise.all(
    subjects.map(async ([name, peerBundle]) => {
      const path = jwksPath(`fairness-${name}`);
      server.setKeys(path, [rsaKey.jwk, ecKey.jwk]);
      const child = ChildHandle.start(CHILD, {
        env: { NODE_EXTRA_CA_CERTS: certificate.certFile },
      });
      children.set(name, child);
      await child.call('load', { peerBundle, jwksUrl: server.url(path) });
    }),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([...children.values()].map((child) => child.stop()));
  await server?.stop();
  if (certificate) {
    removeLoopbackCertificate(certificate);
  }
});

describe.each(['aws-jwt-verify', 'jsonwebtoken', 'jose', 'gatehouse'])('%s handler', (subject) => {
  test.each(cases)('$name: allowed is $allowed', async ({ token, allowed }) => {
    const child = children.get(subject);
    if (!child) {
      throw new Error(`${subject} was not loaded; for gatehouse, run npm run build:lambda`);
    }

    const decision = await child.call<boolean>('decide', { token: token() });

    expect(decision).toBe(allowed);
  });
});

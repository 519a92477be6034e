import { randomBytes } from 'node:crypto';
import type { AccessRequirement, AuthorizerConfig } from '../../lambda/policy/config';
import { SubscriptionManager } from '../../lambda/subscriptions/manager';
import { SubscriptionStore } from '../../lambda/subscriptions/store';
import { LoadedAuthorizer, invoke } from '../support/authorizer';
import { CertificateLab, IssuedCertificate, TestCa, daysFromNow } from '../support/certificates';
import { RequestEventOptions, requestEvent } from '../support/events';
import { catalog } from '../lambda/subscriptions/catalog-fixture';
import { RegistryServer, startRegistryServer } from '../lambda/subscriptions/registry-server';
import { loadAuthorizerWithSdk } from '../lambda/subscription/load-authorizer';

/**
 * Attacks on the credentials other than JWTs, one row each, against the bundled authorizer.
 * A new credential kind adds its operation to `config()`, its material to `Material`, and
 * its rows to `CASES`.
 */
interface Material {
  readonly keys: Record<'active' | 'suspended' | 'cancelled' | 'pending' | 'replaced', string>;
  readonly certificates: Record<
    'expired' | 'notYetValid' | 'wrongName' | 'foreign' | 'selfSigned' | 'revoked',
    IssuedCertificate
  >;
  readonly trustedCa: TestCa;
}

interface CredentialCase {
  readonly name: string;
  readonly request: (material: Material) => RequestEventOptions;
  readonly code: string;
}

const TABLE_VARIABLE = 'GATEHOUSE_SUBSCRIPTION_TABLE_ATTACKS';

const keyRequest = (headers: Record<string, string>, api = 'orders'): RequestEventOptions => ({
  api,
  resource: api === 'orders' ? '/orders' : '/invoices',
  headers,
});

const certificateRequest = (pem: string | undefined): RequestEventOptions => ({
  api: 'devices',
  resource: '/devices',
  clientCert: pem === undefined ? undefined : { clientCertPem: pem },
});

const SUBSCRIPTION_KEY_CASES: CredentialCase[] = [
  { name: 'no key', request: () => keyRequest({}), code: 'SUBSCRIPTION_KEY_MISSING' },
  {
    name: 'an unknown key',
    request: () => keyRequest({ 'x-api-key': randomBytes(24).toString('base64url') }),
    code: 'SUBSCRIPTION_KEY_INVALID',
  },
  {
    name: 'a key with its last character changed',
    request: ({ keys }) => keyRequest({ 'x-api-key': `${keys.active.slice(0, -1)}~` }),
    code: 'SUBSCRIPTION_KEY_INVALID',
  },
  {
    name: 'a key in upper case',
    request: ({ keys }) => keyRequest({ 'x-api-key': keys.active.toUpperCase() }),
    code: 'SUBSCRIPTION_KEY_INVALID',
  },
  {
    name: 'the key of a suspended subscription',
    request: ({ keys }) => keyRequest({ 'x-api-key': keys.suspended }),
    code: 'SUBSCRIPTION_NOT_ACTIVE',
  },
  {
    name: 'the key of a cancelled subscription',
    request: ({ keys }) => keyRequest({ 'x-api-key': keys.cancelled }),
    code: 'SUBSCRIPTION_NOT_ACTIVE',
  },
  {
    name: 'the key of a subscription awaiting approval',
    request: ({ keys }) => keyRequest({ 'x-api-key': keys.pending }),
    code: 'SUBSCRIPTION_NOT_ACTIVE',
  },
  {
    name: 'a regenerated key in its old value',
    request: ({ keys }) => keyRequest({ 'x-api-key': keys.replaced }),
    code: 'SUBSCRIPTION_KEY_INVALID',
  },
  {
    name: 'a valid key on an API its product does not cover',
    request: ({ keys }) => keyRequest({ 'x-api-key': keys.active }, 'billing'),
    code: 'SUBSCRIPTION_SCOPE_MISMATCH',
  },
  {
    name: 'a bad header key next to a good query key',
    request: ({ keys }) => ({
      ...keyRequest({ 'x-api-key': 'not-a-key' }),
      query: { 'subscription-key': keys.active },
    }),
    code: 'SUBSCRIPTION_KEY_INVALID',
  },
  {
    name: 'a valid key in an unread query parameter',
    request: ({ keys }) => ({ ...keyRequest({}), query: { api_key: keys.active } }),
    code: 'SUBSCRIPTION_KEY_MISSING',
  },
];

const CLIENT_CERTIFICATE_CASES: CredentialCase[] = [
  {
    name: 'no client certificate',
    request: () => certificateRequest(undefined),
    code: 'CLIENT_CERTIFICATE_MISSING',
  },
  {
    name: 'a PEM that is not a certificate',
    request: () =>
      certificateRequest('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
    code: 'CLIENT_CERTIFICATE_INVALID',
  },
  {
    name: 'a certificate from another CA',
    request: ({ certificates }) => certificateRequest(certificates.foreign.pem),
    code: 'CERTIFICATE_ISSUER_UNKNOWN',
  },
  {
    name: 'a self-signed copy of the trusted subject',
    request: ({ certificates }) => certificateRequest(certificates.selfSigned.pem),
    code: 'CERTIFICATE_ISSUER_UNKNOWN',
  },
  {
    name: 'an expired certificate',
    request: ({ certificates }) => certificateRequest(certificates.expired.pem),
    code: 'CERTIFICATE_EXPIRED',
  },
  {
    name: 'a certificate not yet valid',
    request: ({ certificates }) => certificateRequest(certificates.notYetValid.pem),
    code: 'CERTIFICATE_NOT_YET_VALID',
  },
  {
    name: 'a certificate with another common name',
    request: ({ certificates }) => certificateRequest(certificates.wrongName.pem),
    code: 'CERTIFICATE_NOT_ALLOWED',
  },
  {
    name: 'the CA certificate itself',
    request: ({ trustedCa }) => certificateRequest(trustedCa.pem),
    code: 'CERTIFICATE_NOT_ALLOWED',
  },
  {
    name: 'a revoked certificate',
    request: ({ certificates }) => certificateRequest(certificates.revoked.pem),
    code: 'CERTIFICATE_REVOKED',
  },
];

const CASES = [...SUBSCRIPTION_KEY_CASES, ...CLIENT_CERTIFICATE_CASES];

const FORBIDDEN = new Set([
  'SUBSCRIPTION_NOT_ACTIVE',
  'SUBSCRIPTION_SCOPE_MISMATCH',
  'CERTIFICATE_ISSUER_UNKNOWN',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_NOT_YET_VALID',
  'CERTIFICATE_NOT_ALLOWED',
  'CERTIFICATE_REVOKED',
]);

let registry: RegistryServer;
let lab: CertificateLab;
let material: Material;
let authorizer: LoadedAuthorizer;
const savedEnv = { ...process.env };

async function subscriptionKeys(manager: SubscriptionManager): Promise<Material['keys']> {
  const create = async (owner: string, productId: string, extra: object = {}) =>
    manager.create({ owner, productId, ...extra });
  const active = await create('active@example.com', 'trial');
  const suspended = await create('suspended@example.com', 'trial');
  await manager.transition(suspended.subscription.id, 'suspend');
  const cancelled = await create('cancelled@example.com', 'trial');
  await manager.transition(cancelled.subscription.id, 'cancel');
  const pending = await create('pending@example.com', 'paid', {
    acceptTerms: catalog.products.paid.termsOfUseVersion,
  });
  const replaced = await create('replaced@example.com', 'trial');
  await manager.regenerate(replaced.subscription.id, 'primary');
  return {
    active: active.keys.primary as string,
    suspended: suspended.keys.primary as string,
    cancelled: cancelled.keys.primary as string,
    pending: pending.keys.primary as string,
    replaced: replaced.keys.primary as string,
  };
}

function certificates(): Pick<Material, 'certificates' | 'trustedCa'> {
  const trustedCa = lab.rootCa({ subject: [['CN', 'Device Root CA']] });
  const otherCa = lab.rootCa({ subject: [['CN', 'Other Root CA']] });
  const revoked = trustedCa.issue({ subject: [['CN', 'device-1']] });
  trustedCa.revoke(revoked);
  return {
    trustedCa,
    certificates: {
      expired: trustedCa.issue({
        subject: [['CN', 'device-1']],
        notBefore: daysFromNow(-30),
        notAfter: daysFromNow(-1),
      }),
      notYetValid: trustedCa.issue({ subject: [['CN', 'device-1']], notBefore: daysFromNow(2) }),
      wrongName: trustedCa.issue({ subject: [['CN', 'device-2']] }),
      foreign: otherCa.issue({ subject: [['CN', 'device-1']] }),
      selfSigned: lab.rootCa({ subject: [['CN', 'Device Root CA']] }).issue({
        subject: [['CN', 'device-1']],
      }),
      revoked,
    },
  };
}

function config(trustedCa: TestCa): AuthorizerConfig {
  const key: AccessRequirement = {
    kind: 'subscriptionKey',
    registry: 'main',
    header: 'x-api-key',
    queryParameter: 'subscription-key',
    optional: false,
  };
  const crl = Buffer.from(trustedCa.crl().der).toString('base64');
  const products = Object.fromEntries(
    Object.entries(catalog.products).map(([id, product]) => [id, product.apis]),
  );
  const uncached = (method: 'GET', path: string, access: AccessRequirement) => ({
    method,
    path,
    authorizer: 'uncached',
    access,
  });
  return {
    version: 1,
    gateway: 'Test/Gateway',
    jwtValidators: {},
    subscriptionRegistries: {
      main: { tableNameVariable: TABLE_VARIABLE, lookupCacheSeconds: 0, products },
    },
    apis: {
      orders: { name: 'Test/orders', operations: [uncached('GET', '/orders', key)] },
      billing: { name: 'Test/billing', operations: [uncached('GET', '/invoices', key)] },
      devices: {
        name: 'Test/devices',
        operations: [
          uncached('GET', '/devices', {
            kind: 'clientCertificate',
            identities: [{ commonName: 'device-1' }],
            certificateAuthorities: [trustedCa.pem],
            revocation: {
              mode: 'crl',
              crls: [crl],
              fetchDistributionPoints: false,
              fetchTimeoutMs: 1000,
              cacheSeconds: 300,
              requireCrl: true,
              failOpen: false,
            },
          }),
        ],
      },
    },
  };
}

beforeAll(async () => {
  registry = await startRegistryServer();
  lab = new CertificateLab();
  const manager = new SubscriptionManager({
    store: new SubscriptionStore(registry.client, registry.tableName),
    catalog,
  });
  const certificateMaterial = certificates();
  material = { keys: await subscriptionKeys(manager), ...certificateMaterial };
  Object.assign(process.env, {
    [TABLE_VARIABLE]: registry.tableName,
    AWS_ENDPOINT_URL_DYNAMODB: registry.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  authorizer = loadAuthorizerWithSdk(config(certificateMaterial.trustedCa));
});

afterAll(async () => {
  authorizer.dispose();
  process.env = savedEnv;
  lab.dispose();
  await registry.close();
});

describe('credential attack table', () => {
  test('accepts the untampered credentials (control)', async () => {
    const key = await invoke(
      authorizer,
      requestEvent(keyRequest({ 'x-api-key': material.keys.active })),
    );
    const leaf = material.trustedCa.issue({ subject: [['CN', 'device-1']] });
    const device = await invoke(authorizer, requestEvent(certificateRequest(leaf.pem)));

    expect(key.outcome).toBe('allow');
    expect(device.outcome).toBe('allow');
  });

  test.each(CASES.map((row) => [row.name, row] as const))('denies %s', async (_name, row) => {
    const status = FORBIDDEN.has(row.code) ? 403 : 401;

    const call = await invoke(authorizer, requestEvent(row.request(material)));

    expect(call.outcome).toBe(status === 401 ? 'unauthorized' : 'deny');
    expect(call.log.code).toBe(row.code);
  });
});

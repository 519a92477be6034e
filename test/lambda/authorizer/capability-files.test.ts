/**
 * Tests of the split authorizer bundle, which is the core `index.js` and the capability files
 * beside it as `npm run build:lambda` writes them. Tests stage the files whole, without some
 * files, or with a broken one.
 */
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPABILITY_FILES } from '../../../lambda/authorizer/capability-files';
import type {
  AccessRequirement,
  AuthorizerConfig,
  JwtValidatorConfig,
} from '../../../lambda/policy/config';
import { LoadedAuthorizer, invoke } from '../../support/authorizer';
import { CertificateLab, IssuedCertificate, TestCa } from '../../support/certificates';
import { requestEvent } from '../../support/events';
import { SigningKey, generateSigningKey, signJwt, standardClaims } from '../../support/jwt';
import { jwtValidatorConfig } from '../../support/policy-config';

const DIST = join(__dirname, '..', '..', '..', 'dist', 'bundles', 'authorizer');
const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'api://orders';
const CAPABILITY_NAMES = CAPABILITY_FILES.map(({ file }) => file);

interface StageOptions {
  /** Capability files to leave out of the staging directory. */
  readonly omit?: readonly string[];
  /** Text to write in place of the built file, by capability file name. */
  readonly replace?: Readonly<Record<string, string>>;
}

const loaded: LoadedAuthorizer[] = [];

/** Stages the built core and capability files beside `config.json`, and requires the core. */
function stage(config: AuthorizerConfig, options: StageOptions = {}): LoadedAuthorizer {
  const directory = mkdtempSync(join(tmpdir(), 'gatehouse-capabilities-'));
  copyFileSync(join(DIST, 'index.js'), join(directory, 'index.js'));
  for (const file of CAPABILITY_NAMES) {
    const replacement = options.replace?.[file];
    if (replacement !== undefined) {
      writeFileSync(join(directory, file), replacement);
    } else if (!options.omit?.includes(file)) {
      copyFileSync(join(DIST, file), join(directory, file));
    }
  }
  writeFileSync(join(directory, 'config.json'), JSON.stringify(config));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(join(directory, 'index.js')) as Pick<LoadedAuthorizer, 'handler'>;
  const authorizer = {
    handler: module.handler,
    directory,
    dispose: () => rmSync(directory, { recursive: true, force: true }),
  };
  loaded.push(authorizer);
  return authorizer;
}

let key: SigningKey;
let lab: CertificateLab;
let ca: TestCa;
let device: IssuedCertificate;

beforeAll(() => {
  key = generateSigningKey('ES256');
  lab = new CertificateLab();
  ca = lab.rootCa({ subject: [['CN', 'Capability CA']] });
  device = ca.issue({ subject: [['CN', 'device-a']] });
});

afterAll(() => {
  loaded.forEach((authorizer) => authorizer.dispose());
  lab.dispose();
});

function validator(overrides: Partial<JwtValidatorConfig> = {}): JwtValidatorConfig {
  return jwtValidatorConfig(ISSUER, { kind: 'inline', keys: [key.jwk] }, overrides);
}

/** Builds a config with one operation, `GET /orders`, that requires `access`. */
function configFor(
  access: AccessRequirement,
  extra: Partial<AuthorizerConfig> = {},
): AuthorizerConfig {
  return {
    version: 1,
    gateway: 'Test/Gateway',
    jwtValidators: { main: validator() },
    apis: {
      orders: {
        name: 'Test/Orders',
        operations: [{ method: 'GET', path: '/orders', authorizer: 'uncached', access }],
      },
    },
    ...extra,
  };
}

const jwt: AccessRequirement = { kind: 'jwt', validator: 'main', claims: [] };
const basic: AccessRequirement = { kind: 'basic', userStore: 'users' };
const basicStores: Partial<AuthorizerConfig> = {
  basicUserStores: {
    users: { secretArnVariable: 'GATEHOUSE_TEST_USERS_ARN', realm: 'orders', refreshSeconds: 60 },
  },
};
const subscriptionKey: AccessRequirement = {
  kind: 'subscriptionKey',
  registry: 'main',
  header: 'x-api-key',
  optional: false,
};
const subscriptionRegistries: Partial<AuthorizerConfig> = {
  subscriptionRegistries: {
    main: { tableNameVariable: 'GATEHOUSE_TEST_TABLE', lookupCacheSeconds: 60, products: {} },
  },
};

function clientCertificate(): AccessRequirement {
  return {
    kind: 'clientCertificate',
    identities: null,
    certificateAuthorities: [ca.certificate.pem],
    revocation: { mode: 'none' },
  };
}

function bearer(claims: Record<string, unknown> = {}): Record<string, string> {
  return { Authorization: `Bearer ${signJwt(key, standardClaims(ISSUER, AUDIENCE, claims))}` };
}

describe('built authorizer files', () => {
  test('dist contains core and capability files', () => {
    const files = readdirSync(DIST).filter((file) => file.endsWith('.js'));

    expect(files.sort()).toEqual(['index.js', ...CAPABILITY_NAMES].sort());
  });

  test.each(CAPABILITY_NAMES)('%s imports AccessDenied from the core', (file) => {
    const text = readFileSync(join(DIST, file), 'utf8');

    expect(text).toContain('require("./index.js")');
    expect(text).not.toContain('"AccessDenied"');
  });

  test('core defines AccessDenied', () => {
    const text = readFileSync(join(DIST, 'index.js'), 'utf8');

    expect(text).toContain('"AccessDenied"');
  });
});

describe('split authorizer: core alone', () => {
  test('allows valid token without capability files', async () => {
    const authorizer = stage(configFor(jwt), { omit: CAPABILITY_NAMES });

    const result = await invoke(authorizer, requestEvent({ headers: bearer() }));

    expect(result.outcome).toBe('allow');
  });

  test('denies invalid token with its code', async () => {
    const authorizer = stage(configFor(jwt), { omit: CAPABILITY_NAMES });

    const result = await invoke(
      authorizer,
      requestEvent({ headers: { Authorization: 'Bearer not-a-token' } }),
    );

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('TOKEN_MALFORMED');
  });
});

describe('split authorizer: denials from capability files', () => {
  test('basic keeps BASIC_MISSING and 401', async () => {
    const authorizer = stage(configFor(basic, basicStores));

    const result = await invoke(authorizer, requestEvent());

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('BASIC_MISSING');
  });

  test('subscription keeps SUBSCRIPTION_KEY_MISSING and 401', async () => {
    const authorizer = stage(configFor(subscriptionKey, subscriptionRegistries));

    const result = await invoke(authorizer, requestEvent());

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('SUBSCRIPTION_KEY_MISSING');
  });

  test('certificate keeps CLIENT_CERTIFICATE_MISSING and 401', async () => {
    const authorizer = stage(configFor(clientCertificate()));

    const result = await invoke(authorizer, requestEvent());

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('CLIENT_CERTIFICATE_MISSING');
  });

  test('certificate keeps CERTIFICATE_ISSUER_UNKNOWN and 403', async () => {
    const other = lab.rootCa({ subject: [['CN', 'Other CA']] });
    const stranger = other.issue({ subject: [['CN', 'stranger']] });
    const authorizer = stage(configFor(clientCertificate()));

    const result = await invoke(
      authorizer,
      requestEvent({ clientCert: { clientCertPem: stranger.pem } }),
    );

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('CERTIFICATE_ISSUER_UNKNOWN');
  });

  test('certificate allows trusted client certificate', async () => {
    const authorizer = stage(configFor(clientCertificate()));

    const result = await invoke(
      authorizer,
      requestEvent({ clientCert: { clientCertPem: device.pem } }),
    );

    expect(result.outcome).toBe('allow');
    expect(String(result.result?.context?.clientCertSubject)).toContain('CN=device-a');
  });

  test('certificate binding keeps TOKEN_NOT_CERTIFICATE_BOUND and 401', async () => {
    const config = configFor(jwt, {
      jwtValidators: { main: validator({ requireCertificateBinding: true }) },
    });
    const authorizer = stage(config);

    const result = await invoke(
      authorizer,
      requestEvent({ headers: bearer(), clientCert: { clientCertPem: device.pem } }),
    );

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('TOKEN_NOT_CERTIFICATE_BOUND');
  });

  test('backend keeps BACKEND_CREDENTIAL_UNAVAILABLE and 403', async () => {
    const credential = { connection: 'orders', contextKey: 'backendAuth', brokerTimeoutMs: 500 };
    const config = configFor({
      kind: 'allOf',
      of: [jwt, { kind: 'backendCredential', ...credential }],
    });
    const withCredential: AuthorizerConfig = {
      ...config,
      apis: {
        orders: {
          name: 'Test/Orders',
          operations: [{ ...config.apis.orders.operations[0], backendCredential: credential }],
        },
      },
    };
    // Without the broker ARN the invoker fails before it loads the SDK or opens a connection.
    const saved = process.env.GATEHOUSE_TOKEN_BROKER_ARN;
    delete process.env.GATEHOUSE_TOKEN_BROKER_ARN;
    try {
      const authorizer = stage(withCredential);

      const result = await invoke(authorizer, requestEvent({ headers: bearer() }));

      expect(result.outcome).toBe('deny');
      expect(result.log.code).toBe('BACKEND_CREDENTIAL_UNAVAILABLE');
    } finally {
      if (saved !== undefined) process.env.GATEHOUSE_TOKEN_BROKER_ARN = saved;
    }
  });
});

describe('split authorizer: missing or broken capability file', () => {
  const cases: [string, string, () => AuthorizerConfig, () => Record<string, unknown>][] = [
    ['basic.js', 'basic', () => configFor(basic, basicStores), () => requestEvent()],
    [
      'subscription.js',
      'subscriptionKey',
      () => configFor(subscriptionKey, subscriptionRegistries),
      () => requestEvent({ headers: { 'x-api-key': 'k' } }),
    ],
    [
      'certificate.js',
      'clientCertificate',
      () => configFor(clientCertificate()),
      () => requestEvent({ clientCert: { clientCertPem: device.pem } }),
    ],
    [
      'certificate.js',
      'certificate binding',
      () =>
        configFor(jwt, { jwtValidators: { main: validator({ requireCertificateBinding: true }) } }),
      () => requestEvent({ headers: bearer(), clientCert: { clientCertPem: device.pem } }),
    ],
    [
      'backend.js',
      'backendCredential',
      () => configFor({ kind: 'allOf', of: [jwt, backendMarker()] }),
      () => requestEvent({ headers: bearer() }),
    ],
  ];

  test.each(cases)(
    'missing %s denies %s with INTERNAL_ERROR',
    async (file, _feature, config, event) => {
      const authorizer = stage(config(), { omit: [file] });

      const result = await invoke(authorizer, event());

      expect(result.outcome).toBe('deny');
      expect(result.log.code).toBe('INTERNAL_ERROR');
      expect(String(result.log.reason)).toContain(file);
    },
  );

  test.each(cases)(
    'throwing %s denies %s with INTERNAL_ERROR',
    async (file, _feature, config, event) => {
      const authorizer = stage(config(), {
        replace: { [file]: 'throw new Error("capability file damaged in test");' },
      });

      const result = await invoke(authorizer, event());

      expect(result.outcome).toBe('deny');
      expect(result.log.code).toBe('INTERNAL_ERROR');
      expect(String(result.log.reason)).toContain('capability file damaged in test');
    },
  );

  test.each(cases)(
    'truncated %s denies %s with INTERNAL_ERROR',
    async (file, _feature, config, event) => {
      const text = readFileSync(join(DIST, file), 'utf8');
      const authorizer = stage(config(), { replace: { [file]: text.slice(0, text.length / 2) } });

      const result = await invoke(authorizer, event());

      expect(result.outcome).toBe('deny');
      expect(result.log.code).toBe('INTERNAL_ERROR');
    },
  );

  test('basic.js without evaluator gives INTERNAL_ERROR', async () => {
    const authorizer = stage(configFor(basic, basicStores), {
      replace: { 'basic.js': 'module.exports = { evaluateBasic: "not a function" };' },
    });

    const result = await invoke(authorizer, requestEvent());

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('INTERNAL_ERROR');
    expect(String(result.log.reason)).toContain('not a function');
  });

  test('missing file denies every call', async () => {
    const authorizer = stage(configFor(basic, basicStores), { omit: ['basic.js'] });

    const first = await invoke(authorizer, requestEvent());
    const second = await invoke(authorizer, requestEvent());

    expect(first.log.code).toBe('INTERNAL_ERROR');
    expect(second.log.code).toBe('INTERNAL_ERROR');
  });

  test('anyOf allows through available branch', async () => {
    const authorizer = stage(configFor({ kind: 'anyOf', of: [basic, jwt] }, basicStores), {
      omit: ['basic.js'],
    });

    const result = await invoke(authorizer, requestEvent({ headers: bearer() }));

    expect(result.outcome).toBe('allow');
  });
});

/** Returns a `backendCredential` requirement, which the operation does not also carry. */
function backendMarker(): AccessRequirement {
  return {
    kind: 'backendCredential',
    connection: 'orders',
    contextKey: 'backendAuth',
    brokerTimeoutMs: 500,
  };
}

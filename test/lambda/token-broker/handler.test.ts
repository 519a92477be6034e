import { ServerResponse } from 'node:http';
import type {
  BrokerRequest,
  BrokerResponse,
  TokenBrokerConfig,
} from '../../../lambda/token-broker/config';
import { CLIENTS, LocalProvider, startProvider } from './provider';
import {
  bundleHandler,
  closedPortUrl,
  listen,
  LocalServer,
  loadBundle,
  startSecretsManager,
  useLocalAws,
} from './support';

type Broker = { handler(event: BrokerRequest): Promise<BrokerResponse> };

const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:111111111111:secret:${name}-AbCdEf`;

/** Puts the ARN of a secret in an environment variable, as the construct does, and names it. */
function secretVariable(name: string): string {
  const variable = `TEST_SECRET_${name.toUpperCase().replace(/-/g, '_')}`;
  process.env[variable] = arn(name);
  return variable;
}
const CACHE = {
  expiryMarginSeconds: 60,
  defaultLifetimeSeconds: 300,
  maxLifetimeSeconds: 3600,
  failureBackoffSeconds: 30,
  maxFailureBackoffSeconds: 300,
};
const LEGACY_PASSWORD = 'legacy:pässword';

/** Bodies the scripted token endpoint returns with HTTP 200, by path. */
const SCRIPTED: Record<string, string> = {
  '/not-json': '<html>maintenance</html>',
  '/array': '[]',
  '/no-token': JSON.stringify({ token_type: 'Bearer', expires_in: 60 }),
  '/token-with-space': JSON.stringify({ access_token: 'abc def', token_type: 'Bearer' }),
  '/dpop': JSON.stringify({ access_token: 'abc', token_type: 'DPoP', expires_in: 60 }),
  '/expires-word': JSON.stringify({
    access_token: 'abc',
    token_type: 'Bearer',
    expires_in: 'soon',
  }),
  '/expires-negative': JSON.stringify({
    access_token: 'abc',
    token_type: 'Bearer',
    expires_in: -5,
  }),
  '/expires-missing': JSON.stringify({ access_token: 'tok-missing', token_type: 'bearer' }),
  '/expires-string': JSON.stringify({
    access_token: 'tok-string',
    token_type: 'Bearer',
    expires_in: '120',
  }),
  '/expires-zero': JSON.stringify({
    access_token: 'tok-zero',
    token_type: 'Bearer',
    expires_in: 0,
  }),
  '/expires-huge': JSON.stringify({
    access_token: 'tok-huge',
    token_type: 'Bearer',
    expires_in: 1e12,
  }),
};

describe('token broker handler', () => {
  let provider: LocalProvider;
  let secretsManager: Awaited<ReturnType<typeof startSecretsManager>>;
  let scripted: LocalServer;
  let scriptedRequests: Map<string, number>;
  let broker: Broker;
  let dispose: () => void;
  const logs: string[] = [];

  beforeAll(async () => {
    provider = await startProvider();
    scriptedRequests = new Map();
    scripted = await listen((request, response: ServerResponse) => {
      const path = request.url ?? '';
      scriptedRequests.set(path, (scriptedRequests.get(path) ?? 0) + 1);
      if (path === '/error-500') {
        response.statusCode = 503;
        response.end('busy');
        return;
      }
      response.setHeader('content-type', 'application/json');
      response.end(SCRIPTED[path] ?? '{}');
    });
    secretsManager = await startSecretsManager(
      new Map([
        [arn('basic'), CLIENTS.basic.secret],
        [arn('post'), CLIENTS.post.secret],
        [arn('short'), CLIENTS.shortLived.secret],
        [arn('exchange'), CLIENTS.exchange.secret],
        [arn('jwt-key'), provider.clientPrivateJwk],
        [arn('wrong'), 'not-the-secret'],
        [arn('legacy'), JSON.stringify({ username: 'gateway', password: LEGACY_PASSWORD })],
        [arn('legacy-broken'), '{"username": "gateway"'],
        [arn('legacy-plain'), 'hunter2-plain'],
      ]),
    );
    useLocalAws({ secretsManager: secretsManager.url });

    const endpoint = provider.tokenEndpoint;
    const secretBasic = (secret: string) => ({
      method: 'client_secret_basic' as const,
      secretArnVariable: secretVariable(secret),
    });
    const scriptedConnection = (path: string) => ({
      kind: 'clientCredentials' as const,
      tokenEndpoint: `${scripted.url}${path}`,
      clientId: 'scripted',
      clientAuthentication: secretBasic('basic'),
    });
    const config: TokenBrokerConfig = {
      version: 1,
      connections: {
        'cc-basic': {
          kind: 'clientCredentials',
          tokenEndpoint: endpoint,
          clientId: CLIENTS.basic.id,
          clientAuthentication: secretBasic('basic'),
        },
        'cc-basic-concurrent': {
          kind: 'clientCredentials',
          tokenEndpoint: endpoint,
          clientId: CLIENTS.basic.id,
          clientAuthentication: secretBasic('basic'),
        },
        'cc-post': {
          kind: 'clientCredentials',
          tokenEndpoint: endpoint,
          clientId: CLIENTS.post.id,
          clientAuthentication: {
            method: 'client_secret_post',
            secretArnVariable: secretVariable('post'),
          },
        },
        'cc-jwt': {
          kind: 'clientCredentials',
          tokenEndpoint: endpoint,
          clientId: CLIENTS.privateKeyJwt.id,
          clientAuthentication: {
            method: 'private_key_jwt',
            secretArnVariable: secretVariable('jwt-key'),
            algorithm: 'ES256',
            keyId: 'gateway-1',
          },
        },
        'cc-short': {
          kind: 'clientCredentials',
          tokenEndpoint: endpoint,
          clientId: CLIENTS.shortLived.id,
          clientAuthentication: secretBasic('short'),
        },
        'cc-wrong-secret': {
          kind: 'clientCredentials',
          tokenEndpoint: endpoint,
          clientId: CLIENTS.basic.id,
          clientAuthentication: secretBasic('wrong'),
        },
        'cc-missing-secret': {
          kind: 'clientCredentials',
          tokenEndpoint: endpoint,
          clientId: CLIENTS.basic.id,
          clientAuthentication: secretBasic('absent'),
        },
        exchange: {
          kind: 'tokenExchange',
          tokenEndpoint: endpoint,
          clientId: CLIENTS.exchange.id,
          clientAuthentication: secretBasic('exchange'),
          audience: 'https://orders.backend.test',
        },
        legacy: { kind: 'basic', secretArnVariable: secretVariable('legacy') },
        'legacy-broken': { kind: 'basic', secretArnVariable: secretVariable('legacy-broken') },
        'legacy-plain': { kind: 'basic', secretArnVariable: secretVariable('legacy-plain') },
        down: { ...scriptedConnection(''), tokenEndpoint: `${await closedPortUrl()}/token` },
        busy: scriptedConnection('/error-500'),
        ...Object.fromEntries(
          Object.keys(SCRIPTED).map((path) => [path.slice(1), scriptedConnection(path)]),
        ),
      },
      cache: CACHE,
      requestTimeoutMs: 2000,
      secretRefreshSeconds: 300,
    };
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logs.push(args.map(String).join(' '));
    });
    const loaded = loadBundle<Broker>(await bundleHandler('token-broker'), config);
    broker = loaded.module;
    dispose = loaded.dispose;
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    dispose?.();
    await Promise.all([provider?.close(), secretsManager?.close(), scripted?.close()]);
  });

  async function credential(connection: string, subjectToken?: string) {
    const response = await broker.handler({ connection, subjectToken });
    if (!response.ok) throw new Error(`broker failed with ${response.code}`);
    return response;
  }

  async function failureCode(connection: string, subjectToken?: string): Promise<string> {
    const response = await broker.handler({ connection, subjectToken });
    if (response.ok) throw new Error('expected the broker to fail');
    return response.code;
  }

  describe('client credentials', () => {
    test('authenticates with client_secret_basic and reserved characters', async () => {
      const response = await credential('cc-basic');

      expect(response.headerValue).toMatch(/^Bearer [\w-]{20,}$/);
    });

    test('authenticates with client_secret_post and reserved characters', async () => {
      const response = await credential('cc-post');

      expect(response.headerValue).toMatch(/^Bearer [\w-]{20,}$/);
    });

    test('authenticates with private_key_jwt', async () => {
      const response = await credential('cc-jwt');

      expect(response.headerValue).toMatch(/^Bearer [\w-]{20,}$/);
    });

    test('reports a wrong client secret as PROVIDER_REJECTED', async () => {
      expect(await failureCode('cc-wrong-secret')).toBe('PROVIDER_REJECTED');
    });

    test('reports a secret that does not exist as SECRET_UNAVAILABLE', async () => {
      expect(await failureCode('cc-missing-secret')).toBe('SECRET_UNAVAILABLE');
    });

    test('subtracts the expiry margin from the provider lifetime', async () => {
      const before = Math.floor(Date.now() / 1000);

      const response = await credential('cc-post');

      expect(response.validUntil).toBeGreaterThanOrEqual(before + 600 - 60 - 1);
      expect(response.validUntil).toBeLessThanOrEqual(before + 600 - 60 + 1);
    });
  });

  describe('caching', () => {
    test('reuses a token until the margin before expiry', async () => {
      const first = await credential('cc-basic');
      const requestsBefore = await provider.tokenRequests();

      const second = await credential('cc-basic');

      expect(second.headerValue).toBe(first.headerValue);
      expect(await provider.tokenRequests()).toBe(requestsBefore);
    });

    test('fetches a new token once the short-lived one is due', async () => {
      const first = await credential('cc-short');
      const again = await credential('cc-short');
      await new Promise((resolve) =>
        setTimeout(resolve, (first.validUntil + 1) * 1000 - Date.now()),
      );

      const refreshed = await credential('cc-short');

      expect(again.headerValue).toBe(first.headerValue);
      expect(refreshed.headerValue).not.toBe(first.headerValue);
    });

    test('sends one token request for many concurrent misses', async () => {
      const requestsBefore = await provider.tokenRequests();

      const responses = await Promise.all(
        Array.from({ length: 20 }, () => credential('cc-basic-concurrent')),
      );

      expect(await provider.tokenRequests()).toBe(requestsBefore + 1);
      expect(new Set(responses.map((response) => response.headerValue)).size).toBe(1);
    });
  });

  describe('token exchange', () => {
    test('exchanges the caller token for one with the backend audience', async () => {
      const callerToken = await provider.signCallerToken('user-42');

      const response = await credential('exchange', callerToken);
      const claims = await provider.verifyExchangedToken(
        response.headerValue.slice('Bearer '.length),
      );

      expect(claims.sub).toBe('user-42');
      expect(claims.aud).toBe('https://orders.backend.test');
      expect(claims.act).toEqual({ sub: CLIENTS.exchange.id });
    });

    test('keeps exchanged tokens apart per caller', async () => {
      const alice = await credential('exchange', await provider.signCallerToken('alice'));
      const bob = await credential('exchange', await provider.signCallerToken('bob'));

      const aliceClaims = await provider.verifyExchangedToken(alice.headerValue.slice(7));
      const bobClaims = await provider.verifyExchangedToken(bob.headerValue.slice(7));

      expect(aliceClaims.sub).toBe('alice');
      expect(bobClaims.sub).toBe('bob');
    });

    test('reports a subject token the provider rejects as PROVIDER_REJECTED', async () => {
      expect(await failureCode('exchange', 'not.a.jwt')).toBe('PROVIDER_REJECTED');
    });

    test('rejects an exchange request without a subject token', async () => {
      expect(await failureCode('exchange')).toBe('INVALID_REQUEST');
    });
  });

  describe('Basic from a secret', () => {
    test('builds the Basic header from the secret', async () => {
      const response = await credential('legacy');

      const decoded = Buffer.from(response.headerValue.slice('Basic '.length), 'base64').toString(
        'utf8',
      );
      expect(decoded).toBe(`gateway:${LEGACY_PASSWORD}`);
    });

    test.each(['legacy-broken', 'legacy-plain'])(
      'reports the %s secret that is not JSON as SECRET_UNAVAILABLE',
      async (connection) => {
        expect(await failureCode(connection)).toBe('SECRET_UNAVAILABLE');
      },
    );
  });

  describe('provider failures', () => {
    test('reports a provider that is down as PROVIDER_UNAVAILABLE', async () => {
      expect(await failureCode('down')).toBe('PROVIDER_UNAVAILABLE');
    });

    test('backs off after a failure without asking the provider again', async () => {
      expect(await failureCode('busy')).toBe('PROVIDER_UNAVAILABLE');

      const second = await failureCode('busy');

      expect(second).toBe('PROVIDER_BACKOFF');
      expect(scriptedRequests.get('/error-500')).toBe(1);
    });

    test.each([
      ['not-json'],
      ['array'],
      ['no-token'],
      ['token-with-space'],
      ['dpop'],
      ['expires-word'],
      ['expires-negative'],
    ])('reports the %s token response as PROVIDER_MALFORMED', async (connection) => {
      expect(await failureCode(connection)).toBe('PROVIDER_MALFORMED');
    });

    test('rejects an unknown connection', async () => {
      expect(await failureCode('constructor')).toBe('INVALID_REQUEST');
    });
  });

  describe('expires_in', () => {
    const now = () => Math.floor(Date.now() / 1000);

    test('uses the default lifetime when expires_in is missing', async () => {
      const response = await credential('expires-missing');

      expect(response.validUntil).toBeGreaterThanOrEqual(now() + 300 - 60 - 1);
      expect(response.validUntil).toBeLessThanOrEqual(now() + 300 - 60);
    });

    test('reads expires_in given as a numeric string', async () => {
      const response = await credential('expires-string');

      expect(response.validUntil).toBeGreaterThanOrEqual(now() + 120 - 60 - 1);
      expect(response.validUntil).toBeLessThanOrEqual(now() + 120 - 60);
    });

    test('caps a huge expires_in at the maximum lifetime', async () => {
      const response = await credential('expires-huge');

      expect(response.validUntil).toBeLessThanOrEqual(now() + 3600 - 60);
      expect(response.validUntil).toBeGreaterThanOrEqual(now() + 3600 - 60 - 1);
    });

    test('never caches a token whose expires_in is zero', async () => {
      await credential('expires-zero');

      const second = await credential('expires-zero');

      expect(second.validUntil).toBeLessThanOrEqual(now());
      expect(scriptedRequests.get('/expires-zero')).toBe(2);
    });
  });

  test('never logs a token, client secret or private key', () => {
    const written = logs.join('\n');
    const secrets = [
      CLIENTS.basic.secret,
      CLIENTS.post.secret,
      CLIENTS.exchange.secret,
      LEGACY_PASSWORD,
      'not-the-secret',
      'tok-',
    ];
    const privateKeyD = (JSON.parse(provider.clientPrivateJwk) as { d: string }).d;

    expect(logs.length).toBeGreaterThan(5);
    for (const secret of [...secrets, privateKeyD, 'not.a.jwt']) {
      expect(written).not.toContain(secret);
    }
  });
});

import { randomBytes } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KeyCacheConfig, KeySourceConfig } from '../../lambda/policy/config';
import { Invocation, LoadedAuthorizer, invoke, loadAuthorizer } from '../support/authorizer';
import { requestEvent } from '../support/events';
import { JwksServer } from '../support/jwks-server';
import { SigningKey, generateSigningKey, signJwt, standardClaims } from '../support/jwt';
import {
  authorizerConfig,
  jwtRequirement,
  jwtValidatorConfig,
  operation,
} from '../support/policy-config';

const AUDIENCE = 'api://orders';

/** A loopback server whose behaviour each test sets; it counts the requests it gets. */
class ScriptedServer {
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly counter: { requests: number },
  ) {}

  static async start(
    respond: (request: IncomingMessage, response: ServerResponse) => void,
  ): Promise<ScriptedServer> {
    const counter = { requests: 0 };
    const server = createServer((request, response) => {
      counter.requests += 1;
      respond(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new ScriptedServer(server, `http://127.0.0.1:${port}`, counter);
  }

  /** Requests received so far. */
  get requests(): number {
    return this.counter.requests;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let key: SigningKey;
let jwks: JwksServer;
let clock: number;
const loaded: LoadedAuthorizer[] = [];
const scripted: ScriptedServer[] = [];

beforeAll(() => {
  key = generateSigningKey('ES256');
});

beforeEach(async () => {
  jwks = await JwksServer.start([key.jwk]);
  clock = Date.now();
  jest.spyOn(Date, 'now').mockImplementation(() => clock);
});

afterEach(async () => {
  jest.restoreAllMocks();
  loaded.splice(0).forEach((authorizer) => authorizer.dispose());
  await Promise.all(scripted.splice(0).map((server) => server.close()));
  await jwks.close();
});

async function scriptedServer(
  respond: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<ScriptedServer> {
  const server = await ScriptedServer.start(respond);
  scripted.push(server);
  return server;
}

function authorizerFor(keys: KeySourceConfig, cache: Partial<KeyCacheConfig> = {}) {
  const keyCache = {
    fetchTimeoutMs: 400,
    refetchCooldownSeconds: 30,
    maxAgeSeconds: 600,
    maxStaleSeconds: 600,
    ...cache,
  };
  const validator = jwtValidatorConfig(jwks.baseUrl, keys, { keyCache });
  const authorizer = loadAuthorizer(
    authorizerConfig(validator, [operation('GET', '/orders', jwtRequirement())]),
  );
  loaded.push(authorizer);
  return authorizer;
}

function call(authorizer: LoadedAuthorizer, signer = key, kid = signer.kid): Promise<Invocation> {
  const claims = standardClaims(jwks.baseUrl, AUDIENCE, {
    exp: Math.floor(clock / 1000) + 3600,
    iat: Math.floor(clock / 1000),
  });
  const token = signJwt(signer, claims, { header: { kid } });
  return invoke(authorizer, requestEvent({ headers: { Authorization: `Bearer ${token}` } }));
}

/** Waits for a background key refresh to finish; the fetch goes to loopback only. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

/** Calls the authorizer `count` times, one after another, each with a new random kid. */
async function callWithRandomKids(
  authorizer: LoadedAuthorizer,
  count: number,
  kidBytes = 8,
): Promise<Invocation[]> {
  const results: Invocation[] = [];
  for (let index = 0; index < count; index += 1) {
    results.push(await call(authorizer, key, randomBytes(kidBytes).toString('hex')));
  }
  return results;
}

function bearerEvent(token: string) {
  return requestEvent({ headers: { Authorization: `Bearer ${token}` } });
}

/** Moves the authorizer's clock forward. */
function advance(seconds: number): void {
  clock += seconds * 1000;
}

function expectKeysUnavailable(result: Invocation, reason: RegExp): void {
  expect(result.outcome).toBe('unauthorized');
  expect(result.log.code).toBe('KEYS_UNAVAILABLE');
  expect(String(result.log.reason)).toMatch(reason);
}

describe('identity provider faults at cold start', () => {
  test('denies when the JWKS request times out', async () => {
    jwks.mode = 'hang';

    const result = await call(authorizerFor({ kind: 'jwks', url: jwks.jwksUrl }));

    expectKeysUnavailable(result, /timed out|TimeoutError|aborted/i);
  });

  test('denies when the JWKS body trickles in slower than the timeout', async () => {
    const drip = await scriptedServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"keys":[');
      let sent = 0;
      const timer = setInterval(() => {
        sent += 1;
        if (sent > 20 || response.destroyed) {
          clearInterval(timer);
          response.end();
          return;
        }
        response.write(' ');
      }, 100);
    });

    const result = await call(authorizerFor({ kind: 'jwks', url: `${drip.baseUrl}/jwks.json` }));

    expectKeysUnavailable(result, /timed out|TimeoutError|aborted/i);
  });

  test('denies when the JWKS returns 500', async () => {
    jwks.mode = 'error';

    const result = await call(authorizerFor({ kind: 'jwks', url: jwks.jwksUrl }));

    expectKeysUnavailable(result, /status 500/);
  });

  test('denies when the connection is reset', async () => {
    jwks.mode = 'down';

    const result = await call(authorizerFor({ kind: 'jwks', url: jwks.jwksUrl }));

    expectKeysUnavailable(result, /failed/);
  });

  test('denies when the JWKS body is not JSON', async () => {
    jwks.mode = 'garbage';

    const result = await call(authorizerFor({ kind: 'jwks', url: jwks.jwksUrl }));

    expectKeysUnavailable(result, /not JSON/);
  });

  test.each([
    ['a JSON array', '[{"keys":[]}]', /not a JSON object/],
    ['keys as an object', '{"keys":{"0":{}}}', /no keys array/],
    ['JSON null', 'null', /not a JSON object/],
  ])('denies when the JWKS body is %s', async (_name, body, reason) => {
    const server = await scriptedServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });

    const result = await call(authorizerFor({ kind: 'jwks', url: `${server.baseUrl}/jwks.json` }));

    expectKeysUnavailable(result, reason);
  });

  test('denies a JWKS larger than the size cap that declares its length', async () => {
    jwks.mode = 'oversized';

    const result = await call(authorizerFor({ kind: 'jwks', url: jwks.jwksUrl }));

    expectKeysUnavailable(result, /larger than/);
  });

  test('stops reading a chunked JWKS at the size cap', async () => {
    let written = 0;
    const endless = await scriptedServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(`{"keys":[${JSON.stringify(key.jwk)}],"padding":"`);
      const chunk = 'x'.repeat(64 * 1024);
      // Writes at most 8 MiB, and stops early once the client goes away.
      const pump = () => {
        while (written < 8 * 1024 * 1024 && !response.destroyed) {
          written += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        response.end('"}');
      };
      pump();
    });

    const result = await call(authorizerFor({ kind: 'jwks', url: `${endless.baseUrl}/jwks.json` }));

    expectKeysUnavailable(result, /larger than/);
    expect(written).toBeLessThan(8 * 1024 * 1024);
  });

  test('rejects a JWKS redirect to another origin', async () => {
    const redirect = await scriptedServer((_request, response) => {
      response.writeHead(302, { location: jwks.jwksUrl }).end();
    });

    const result = await call(
      authorizerFor({ kind: 'jwks', url: `${redirect.baseUrl}/jwks.json` }),
    );

    expectKeysUnavailable(result, /status 30\d|redirect|failed/i);
    expect(redirect.requests).toBe(1);
    expect(jwks.count('/jwks.json')).toBe(0);
  });

  test('rejects a discovery redirect to another origin', async () => {
    const redirect = await scriptedServer((_request, response) => {
      response.writeHead(301, { location: jwks.discoveryUrl }).end();
    });
    const url = `${redirect.baseUrl}/.well-known/openid-configuration`;

    const result = await call(authorizerFor({ kind: 'discovery', url }));

    expectKeysUnavailable(result, /status 30\d|redirect|failed/i);
    expect(redirect.requests).toBe(1);
    expect(jwks.count('/.well-known/openid-configuration')).toBe(0);
    expect(jwks.count('/jwks.json')).toBe(0);
  });

  test('denies when the key server port is closed', async () => {
    const closed = await scriptedServer(() => undefined);
    await closed.close();
    scripted.splice(scripted.indexOf(closed), 1);

    const result = await call(authorizerFor({ kind: 'jwks', url: `${closed.baseUrl}/jwks.json` }));

    expectKeysUnavailable(result, /failed/);
  });
});

describe('identity provider faults on a warm instance', () => {
  test('keeps the cached keys through a 5xx until maxStaleSeconds', async () => {
    const authorizer = authorizerFor({ kind: 'jwks', url: jwks.jwksUrl });
    const first = await call(authorizer);
    jwks.mode = 'error';

    advance(700);
    const stale = await call(authorizer);
    advance(600);
    const expired = await call(authorizer);

    expect(first.outcome).toBe('allow');
    expect(stale.outcome).toBe('allow');
    expectKeysUnavailable(expired, /status 500/);
  });

  test('keeps the cached keys when a refresh returns invalid JSON', async () => {
    const authorizer = authorizerFor({ kind: 'jwks', url: jwks.jwksUrl });
    await call(authorizer);
    jwks.mode = 'garbage';

    advance(601);
    await call(authorizer);
    await settle();
    const result = await call(authorizer);

    expect(result.outcome).toBe('allow');
    expect(jwks.count('/jwks.json')).toBe(2);
  });

  test('skips JWKS entries that are not keys and uses the rest', async () => {
    jwks.keys = [
      null,
      'key',
      42,
      [],
      { kty: 'RSA' },
      { kty: 'EC', crv: 'P-256' },
      key.jwk,
    ] as never;
    const authorizer = authorizerFor({ kind: 'jwks', url: jwks.jwksUrl });

    const result = await call(authorizer);

    expect(result.outcome).toBe('allow');
  });

  test('ignores keys past the hundredth entry of a JWKS', async () => {
    const filler = Array.from({ length: 100 }, (_, index) => ({
      ...key.jwk,
      kid: `filler-${index}`,
    }));
    jwks.keys = [...filler, key.jwk];
    const authorizer = authorizerFor({ kind: 'jwks', url: jwks.jwksUrl });

    const result = await call(authorizer);

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('KEY_NOT_FOUND');
  });
});

describe('flood of unknown key ids', () => {
  test('costs one fetch per cool-down however many kids arrive', async () => {
    const authorizer = authorizerFor({ kind: 'jwks', url: jwks.jwksUrl });
    await call(authorizer);

    const first = await callWithRandomKids(authorizer, 200);
    const fetchesDuringCooldown = jwks.count('/jwks.json');
    advance(31);
    await callWithRandomKids(authorizer, 200);

    expect(new Set(first.map((result) => result.log.code))).toEqual(new Set(['KEY_NOT_FOUND']));
    expect(fetchesDuringCooldown).toBe(1);
    expect(jwks.count('/jwks.json')).toBe(2);
  });

  test('keeps no memory per unknown kid', async () => {
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    // Jest spies record every call, so this test uses the real clock and a plain log sink.
    jest.restoreAllMocks();
    const authorizer = authorizerFor({ kind: 'jwks', url: jwks.jwksUrl });
    const claims = standardClaims(jwks.baseUrl, AUDIENCE);
    const requests = 3000;
    const kidBytes = 2048;
    const originalWrite = process.stdout.write;
    let denials = 0;
    process.stdout.write = ((line: string) => {
      denials += line.includes('"KEY_NOT_FOUND"') ? 1 : 0;
      return true;
    }) as typeof process.stdout.write;

    try {
      await authorizer.handler(bearerEvent(signJwt(key, claims)));
      collect();
      const before = process.memoryUsage().heapUsed;
      for (let index = 0; index < requests; index += 1) {
        const kid = randomBytes(kidBytes / 2).toString('hex');
        await authorizer
          .handler(bearerEvent(signJwt(key, claims, { header: { kid } })))
          .catch(() => undefined);
      }
      collect();
      const growth = process.memoryUsage().heapUsed - before;

      // Keeping each kid would hold about 6 MB of strings; allow half of that as noise.
      expect(denials).toBe(requests);
      expect(growth).toBeLessThan((requests * kidBytes) / 2);
    } finally {
      process.stdout.write = originalWrite;
    }
  });
});

describe('key rotation', () => {
  test('accepts a newly published key on its first token after the cool-down', async () => {
    const authorizer = authorizerFor({ kind: 'jwks', url: jwks.jwksUrl });
    await call(authorizer);
    const next = generateSigningKey('ES256');
    jwks.keys = [key.jwk, next.jwk];

    advance(31);
    const result = await call(authorizer, next);

    expect(result.outcome).toBe('allow');
  });

  test('denies a removed key once a refresh has fetched the new set', async () => {
    const authorizer = authorizerFor({ kind: 'jwks', url: jwks.jwksUrl });
    await call(authorizer);
    const next = generateSigningKey('ES256');
    jwks.keys = [next.jwk];

    advance(31);
    await call(authorizer, next);
    const old = await call(authorizer);

    expect(old.outcome).toBe('unauthorized');
    expect(old.log.code).toBe('KEY_NOT_FOUND');
  });

  test('a removed key keeps working until the next refresh', async () => {
    const authorizer = authorizerFor({ kind: 'jwks', url: jwks.jwksUrl });
    await call(authorizer);
    jwks.keys = [generateSigningKey('ES256').jwk];

    advance(599);
    const beforeRefresh = await call(authorizer);
    advance(2);
    await call(authorizer);
    await settle();
    const afterRefresh = await call(authorizer);

    expect(beforeRefresh.outcome).toBe('allow');
    expect(afterRefresh.outcome).toBe('unauthorized');
    expect(afterRefresh.log.code).toBe('KEY_NOT_FOUND');
  });

  test('a key replaced under the same kid works only after the refresh', async () => {
    const authorizer = authorizerFor({ kind: 'jwks', url: jwks.jwksUrl });
    await call(authorizer);
    const replacement = generateSigningKey('ES256', { kid: key.kid });
    jwks.keys = [replacement.jwk];

    advance(601);
    const beforeRefresh = await call(authorizer, replacement);
    await settle();
    const result = await call(authorizer, replacement);
    const old = await call(authorizer);

    expect(beforeRefresh.log.code).toBe('SIGNATURE_INVALID');
    expect(result.outcome).toBe('allow');
    expect(old.outcome).toBe('unauthorized');
    expect(old.log.code).toBe('SIGNATURE_INVALID');
  });
});

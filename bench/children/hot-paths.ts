/**
 * Hot-path child: times our bundled authorizer on the requirement kinds other than a plain
 * JWT, and the token broker's cache hit, each against a baseline measured in this process.
 *
 * `load` builds every fixture and the local services, `measure` times batches with the
 * subjects of each comparison alternating, and `verdicts` runs the fairness cases, which the
 * harness tests call. Every service runs on 127.0.0.1 inside this process.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { KeyObject, X509Certificate, createHash } from 'node:crypto';
import { keyPk } from '../../lambda/subscriptions/codec';
import { SubscriptionManager } from '../../lambda/subscriptions/manager';
import { SubscriptionStore } from '../../lambda/subscriptions/store';
import { serveCalls } from '../lib/child';
import { CertificateFixture, makeCertificateFixture } from '../lib/client-certificates';
import { requestEvent } from '../lib/events';
import { Handler, decide } from '../lib/handlers';
import {
  BENCH_CATALOG,
  BENCH_PRODUCT,
  BROKER_CONNECTION,
  BROKER_FUNCTION_ARN,
  BROKER_SECRET_ARN,
  BROKER_SECRET_VARIABLE,
  CLIENT_DNS_NAME,
  ONWARD_TOKEN_LIFETIME_SECONDS,
  SUBSCRIPTION_HEADER,
  SUBSCRIPTION_TABLE_VARIABLE,
  anonymousConfig,
  backendCredentialConfig,
  clientCertificateConfig,
  jwtOnlyConfig,
  subscriptionKeyConfig,
  tokenBrokerConfig,
} from '../lib/hot-path-config';
import { clientCertificateEvent, subscriptionKeyEvent } from '../lib/hot-path-events';
import {
  LocalRegistry,
  LocalServer,
  startLambda,
  startRegistry,
  startSecretsManager,
  startTokenEndpoint,
  useLocalAws,
} from '../lib/local-aws';
import { loadGatehouseWithSdk as loadGatehouse, loadTokenBroker } from '../lib/sdk-staging';
import { BatchHooks, timeBatch } from '../lib/timing';
import { SigningKey, generateSigningKey, signToken } from '../lib/tokens';

/** Names of the comparisons, each one measurement in the results. */
export const MEASUREMENTS = {
  registryLookup: 'subscription key, registry lookup',
  cachedLookup: 'subscription key, cached lookup',
  certificate: 'certificate rules',
  brokerClient: 'backend credential, broker client cache hit',
  brokerFunction: 'token broker function, cache hit',
} as const;

/** Subject names; the first of each comparison is its baseline. */
export const SUBJECTS = {
  shaGetItem: 'SHA-256 + DynamoDB GetItem',
  keyLookup: 'gatehouse, subscription key, lookup cache off',
  jwtOnly: 'gatehouse, JWT only',
  keyCached: 'gatehouse, subscription key, lookup cached',
  anonymous: 'gatehouse, anonymous operation',
  x509: 'node:crypto parse + checkIssued + verify',
  newCertificate: 'gatehouse, new certificate per request',
  sameCertificate: 'gatehouse, returning client',
  shippedCrl: 'gatehouse, new certificate, shipped CRL',
  jwtRepeated: 'gatehouse, JWT only, repeated token',
  backendCredential: 'gatehouse, JWT + backend credential, repeated token',
  mapLookup: 'Map lookup',
  brokerHandler: 'token broker handler, cached credential',
} as const;

export interface HotPathParams {
  readonly rounds: number;
  /** Decisions per batch for subjects that do no I/O while measuring. */
  readonly batch: number;
  /** Decisions per batch for subjects that read DynamoDB on every decision. */
  readonly ioBatch: number;
  /** Decisions per batch for the broker function, which takes about a microsecond. */
  readonly brokerBatch: number;
}

/** Per-round figures of one subject of one comparison. */
export interface HotPathSeries {
  readonly measurement: string;
  readonly baseline: string;
  readonly subject: string;
  readonly decisionsPerSecond: number[];
  readonly p50Us: number[];
  readonly p99Us: number[];
  /** Decisions that did not allow a valid request; any is a broken comparison. */
  readonly wrongDecisions: number;
  /** Requests a local service received while this subject was measured, per decision. */
  readonly serviceRequests?: { readonly service: string; readonly perDecision: number };
}

/** One subject's verdict on one fairness case. */
export interface FairnessVerdict {
  readonly measurement: string;
  readonly testCase: string;
  readonly subject: string;
  readonly expected: boolean;
  readonly allowed: boolean;
}

/** A request every subject of a comparison should decide alike. */
interface FairnessCase {
  readonly name: string;
  readonly allowed: boolean;
  /** Raw input, of the comparison's input type. */
  readonly input: unknown;
  /** Subjects the case applies to; every subject when absent. */
  readonly only?: readonly string[];
}

interface Subject {
  readonly name: string;
  /** Decides measured request `index`; its input was prepared before timing. */
  readonly run: (index: number) => Promise<boolean>;
  readonly warmUp: (index: number) => Promise<boolean>;
  /** Prepares and decides a raw input, for the fairness cases. */
  readonly check: (input: unknown) => Promise<boolean>;
  /** The local service this subject calls, whose requests are counted while measuring. */
  readonly service?: { readonly name: string; readonly server: LocalServer };
  readonly hooks?: BatchHooks;
}

interface Comparison {
  readonly measurement: string;
  readonly batch: number;
  /** The baseline first. */
  readonly subjects: readonly Subject[];
  readonly cases: readonly FairnessCase[];
}

interface SubjectSpec<I, P> {
  readonly name: string;
  readonly prepare: (input: I) => P;
  readonly decide: (prepared: P) => Promise<boolean>;
  /** Pool index of measured request `index`; every request gets its own input by default. */
  readonly pick?: (index: number) => number;
  readonly service?: Subject['service'];
}

const WARM_UP_DECISIONS = 100;
/** Tokens the repeated-token subjects cycle through; below our cache's 1000 entries. */
const REPEATED_TOKENS = 64;
/** Subscriptions in the registry; measured keys cycle through them. */
const SUBSCRIPTIONS = 16;

let comparisons: Comparison[] | undefined;

/** Builds a subject whose inputs are prepared once, outside the timed batches. */
function subject<I, P>(spec: SubjectSpec<I, P>, pool: readonly I[], warmUp: readonly I[]): Subject {
  const pick = spec.pick ?? ((index: number) => index);
  const prepared = pool.map(spec.prepare);
  const preparedWarmUp = warmUp.map(spec.prepare);
  return {
    name: spec.name,
    run: (index) => spec.decide(prepared[pick(index)]),
    warmUp: (index) => spec.decide(preparedWarmUp[index % preparedWarmUp.length]),
    check: (input) => spec.decide(spec.prepare(input as I)),
    service: spec.service,
  };
}

function viaHandler(handler: Handler) {
  return (event: Record<string, unknown>) => decide(handler, event);
}

async function load(params: HotPathParams): Promise<string[]> {
  const services = await startServices();
  const certificates = makeCertificateFixture();
  process.once('exit', () => certificates.dispose());
  const jwtKey = generateSigningKey('RS256');

  comparisons = [
    await registryLookupComparison(services.registry, params.rounds * params.ioBatch, params),
    await cachedLookupComparison(services.registry, jwtKey, params),
    certificateComparison(certificates, params),
    brokerClientComparison(services.lambda, jwtKey, params),
    brokerFunctionComparison(services.brokerHandler, params),
  ];
  return comparisons.map((comparison) => comparison.measurement);
}

interface Services {
  readonly registry: LocalRegistry;
  readonly lambda: LocalServer;
  readonly brokerHandler: Handler;
}

async function startServices(): Promise<Services> {
  const registry = await startRegistry();
  const secretsManager = await startSecretsManager(
    new Map([[BROKER_SECRET_ARN, 'bench-client-secret']]),
  );
  const tokenEndpoint = await startTokenEndpoint(ONWARD_TOKEN_LIFETIME_SECONDS);
  useLocalAws({ dynamoDb: registry.url, secretsManager: secretsManager.url });
  process.env[SUBSCRIPTION_TABLE_VARIABLE] = registry.tableName;
  process.env[BROKER_SECRET_VARIABLE] = BROKER_SECRET_ARN;

  const brokerHandler = loadTokenBroker(tokenBrokerConfig(`${tokenEndpoint.url}/oauth2/token`));
  const lambda = await startLambda((event) => brokerHandler(event as Record<string, unknown>));
  useLocalAws({ lambda: lambda.url });
  process.env.GATEHOUSE_TOKEN_BROKER_ARN = BROKER_FUNCTION_ARN;
  return { registry, lambda, brokerHandler };
}

/** Creates active subscriptions through the subscription manager; returns their primary keys. */
async function createSubscriptions(registry: LocalRegistry, count: number): Promise<string[]> {
  const manager = new SubscriptionManager({
    store: new SubscriptionStore(registry.client, registry.tableName),
    catalog: BENCH_CATALOG,
  });
  const keys: string[] = [];
  for (let index = 0; index < count; index++) {
    const { keys: values } = await manager.create({
      owner: `bench-owner-${index}`,
      productId: BENCH_PRODUCT,
    });
    keys.push(values.primary as string);
  }
  return keys;
}

/** A well-formed key that no subscription has. */
const UNKNOWN_KEY = 'ghk_unknownKeyOfTheBenchmarkRegistry000000000';

/**
 * Our authorizer with the lookup cache off reads the key item and then the subscription item
 * on every decision. The baseline hashes the key and reads the key item only.
 */
async function registryLookupComparison(
  registry: LocalRegistry,
  size: number,
  params: HotPathParams,
): Promise<Comparison> {
  const keys = await createSubscriptions(registry, SUBSCRIPTIONS);
  const pool = Array.from({ length: size }, (_, index) => keys[index % keys.length]);
  const service = { name: 'DynamoDB', server: registry };
  const floor: SubjectSpec<string | undefined, string | undefined> = {
    name: SUBJECTS.shaGetItem,
    prepare: (key) => key,
    decide: async (key) => {
      const hash = createHash('sha256')
        .update(key ?? '', 'utf8')
        .digest('hex');
      const output = await registry.client.send(
        new GetItemCommand({ TableName: registry.tableName, Key: { pk: { S: keyPk(hash) } } }),
      );
      return output.Item !== undefined;
    },
    service,
  };
  const ours = viaHandler(loadGatehouse(subscriptionKeyConfig(0)));
  const gatehouse: SubjectSpec<string | undefined, Record<string, unknown>> = {
    name: SUBJECTS.keyLookup,
    prepare: (key) =>
      key === undefined
        ? subscriptionKeyEvent('x-other', 'none')
        : subscriptionKeyEvent(SUBSCRIPTION_HEADER, key),
    decide: ours,
    service,
  };
  return {
    measurement: MEASUREMENTS.registryLookup,
    batch: params.ioBatch,
    subjects: [subject(floor, pool, keys), subject(gatehouse, pool, keys)],
    cases: [
      { name: 'key of an active subscription', allowed: true, input: keys[0] },
      { name: 'well-formed key not in the registry', allowed: false, input: UNKNOWN_KEY },
      { name: 'too short to be a key', allowed: false, input: 'ghk_short' },
      { name: 'no key at all', allowed: false, input: undefined },
    ],
  };
}

/** A request carrying both credentials, so each subject reads the one its operation needs. */
interface Credentials {
  readonly token?: string;
  readonly key?: string;
}

/**
 * With the lookup cached, a returning key costs a SHA-256 and a Map lookup. It is compared
 * with the same authorizer deciding a JWT-only operation, and with an anonymous operation,
 * which times the handler around any requirement.
 */
async function cachedLookupComparison(
  registry: LocalRegistry,
  jwtKey: SigningKey,
  params: HotPathParams,
): Promise<Comparison> {
  const keys = await createSubscriptions(registry, SUBSCRIPTIONS);
  const credentials = (count: number): Credentials[] =>
    Array.from({ length: count }, (_, index) => ({
      token: signToken(jwtKey),
      key: keys[index % keys.length],
    }));
  const pool = credentials(params.rounds * params.batch);
  const warmUp = credentials(WARM_UP_DECISIONS);

  const tokenEvent = (input: Credentials) => requestEvent(input.token ?? '');
  const keyEvent = (input: Credentials) =>
    subscriptionKeyEvent(SUBSCRIPTION_HEADER, input.key ?? '');
  const specs: SubjectSpec<Credentials, Record<string, unknown>>[] = [
    {
      name: SUBJECTS.jwtOnly,
      prepare: tokenEvent,
      decide: viaHandler(loadGatehouse(jwtOnlyConfig([jwtKey.jwk]))),
    },
    {
      name: SUBJECTS.keyCached,
      prepare: keyEvent,
      decide: viaHandler(loadGatehouse(subscriptionKeyConfig(3600))),
      service: { name: 'DynamoDB', server: registry },
    },
    {
      name: SUBJECTS.anonymous,
      prepare: tokenEvent,
      decide: viaHandler(loadGatehouse(anonymousConfig())),
    },
  ];
  const expired = signToken(jwtKey, { claims: { exp: Math.floor(Date.now() / 1000) - 600 } });
  return {
    measurement: MEASUREMENTS.cachedLookup,
    batch: params.batch,
    subjects: specs.map((spec) => subject(spec, pool, warmUp)),
    cases: [
      { name: 'valid token and key', allowed: true, input: { token: pool[0].token, key: keys[0] } },
      {
        name: 'expired token',
        allowed: false,
        input: { token: expired, key: keys[0] },
        only: [SUBJECTS.jwtOnly],
      },
      {
        name: 'unknown key',
        allowed: false,
        input: { token: pool[0].token, key: UNKNOWN_KEY },
        only: [SUBJECTS.keyCached],
      },
    ],
  };
}

/**
 * Builds the certificate comparison. Its baseline does by hand what the certificate rules
 * check: it parses the PEM and checks the validity window, the issuer name and signature
 * against the CA, and the DNS name.
 */
function certificateComparison(fixture: CertificateFixture, params: HotPathParams): Comparison {
  const pool = fixture.variants(params.rounds * params.batch);
  const warmUp = fixture.variants(WARM_UP_DECISIONS);
  const authority = new X509Certificate(fixture.authorityPem);
  const authorityKey: KeyObject = authority.publicKey;
  const floor: SubjectSpec<string, string> = {
    name: SUBJECTS.x509,
    prepare: (pem) => pem,
    decide: async (pem) => {
      try {
        const certificate = new X509Certificate(pem);
        const now = Date.now();
        const inWindow =
          now >= Date.parse(certificate.validFrom) && now <= Date.parse(certificate.validTo);
        return (
          inWindow &&
          certificate.checkIssued(authority) &&
          certificate.verify(authorityKey) &&
          certificate.checkHost(CLIENT_DNS_NAME) !== undefined
        );
      } catch {
        return false;
      }
    },
  };
  const gatehouse = (name: string, crls?: readonly string[], pick?: (index: number) => number) => ({
    name,
    prepare: clientCertificateEvent,
    decide: viaHandler(loadGatehouse(clientCertificateConfig(fixture.authorityPem, crls))),
    pick,
  });
  // The returning client sends the first certificate of the pool on every request.
  const specs: SubjectSpec<string, unknown>[] = [
    floor as SubjectSpec<string, unknown>,
    gatehouse(SUBJECTS.newCertificate) as SubjectSpec<string, unknown>,
    gatehouse(SUBJECTS.sameCertificate, undefined, () => 0) as SubjectSpec<string, unknown>,
    gatehouse(SUBJECTS.shippedCrl, [fixture.crlBase64]) as SubjectSpec<string, unknown>,
  ];
  const withoutCrl = [SUBJECTS.x509, SUBJECTS.newCertificate, SUBJECTS.sameCertificate];
  return {
    measurement: MEASUREMENTS.certificate,
    batch: params.batch,
    subjects: specs.map((spec) => subject(spec, pool, warmUp)),
    cases: [
      { name: 'valid certificate', allowed: true, input: pool[0] },
      { name: 'certificate openssl issued', allowed: true, input: fixture.validPem },
      {
        name: 'issued by a CA outside the trust store',
        allowed: false,
        input: fixture.otherAuthorityPem,
      },
      { name: 'expired', allowed: false, input: fixture.expiredPem },
      { name: 'DNS name not allowed', allowed: false, input: fixture.wrongNamePem },
      { name: 'malformed PEM', allowed: false, input: '-----BEGIN CERTIFICATE-----\nAAAA\n' },
      {
        name: 'revoked, without revocation rules',
        allowed: true,
        input: fixture.revokedPem,
        only: withoutCrl,
      },
      {
        name: 'revoked, listed in the shipped CRL',
        allowed: false,
        input: fixture.revokedPem,
        only: [SUBJECTS.shippedCrl],
      },
    ],
  };
}

/**
 * Both subjects resend a few tokens, which our verified-token cache absorbs, so the handler
 * costs little and the broker client's cache hit is not lost in the signature check.
 */
// NOTE: only a client credentials connection is measured. A token exchange connection keys its
// cache by a SHA-256 of the caller's token, which a subject with `subjectValidator` would show.
function brokerClientComparison(
  lambda: LocalServer,
  jwtKey: SigningKey,
  params: HotPathParams,
): Comparison {
  const tokens = Array.from({ length: REPEATED_TOKENS }, () => signToken(jwtKey));
  const repeated = (index: number) => index % REPEATED_TOKENS;
  const specs: SubjectSpec<string, Record<string, unknown>>[] = [
    {
      name: SUBJECTS.jwtRepeated,
      prepare: requestEvent,
      decide: viaHandler(loadGatehouse(jwtOnlyConfig([jwtKey.jwk]))),
      pick: repeated,
    },
    {
      name: SUBJECTS.backendCredential,
      prepare: requestEvent,
      decide: viaHandler(loadGatehouse(backendCredentialConfig([jwtKey.jwk]))),
      pick: repeated,
      service: { name: 'Lambda', server: lambda },
    },
  ];
  const now = Math.floor(Date.now() / 1000);
  return {
    measurement: MEASUREMENTS.brokerClient,
    batch: params.batch,
    subjects: specs.map((spec) => subject(spec, tokens, tokens)),
    cases: [
      { name: 'valid token', allowed: true, input: tokens[0] },
      {
        name: 'expired token',
        allowed: false,
        input: signToken(jwtKey, { claims: { exp: now - 600 } }),
      },
      {
        name: 'token without the role',
        allowed: false,
        input: signToken(jwtKey, { claims: { roles: ['Orders.Write'] } }),
      },
    ],
  };
}

/**
 * The broker handler returning a credential from memory, against a Map lookup with the same
 * expiry check. The warm-up fetches the credential once from the local token endpoint.
 */
function brokerFunctionComparison(broker: Handler, params: HotPathParams): Comparison {
  const now = () => Date.now() / 1000;
  const map = new Map([[BROKER_CONNECTION, { headerValue: 'Bearer x', validUntil: now() + 3600 }]]);
  const pool = [BROKER_CONNECTION];
  const always = () => 0;
  const specs: SubjectSpec<string, string>[] = [
    {
      name: SUBJECTS.mapLookup,
      prepare: (connection) => connection,
      decide: async (connection) => {
        const entry = map.get(connection);
        return entry !== undefined && entry.validUntil > now();
      },
      pick: always,
    },
    {
      name: SUBJECTS.brokerHandler,
      prepare: (connection) => connection,
      decide: async (connection) => {
        const reply = (await broker({ connection })) as { ok?: boolean } | undefined;
        return reply?.ok === true;
      },
      pick: always,
    },
  ];
  return {
    measurement: MEASUREMENTS.brokerFunction,
    batch: params.brokerBatch,
    subjects: specs.map((spec) => subject(spec, pool, pool)),
    cases: [
      { name: 'configured connection', allowed: true, input: BROKER_CONNECTION },
      { name: 'unknown connection', allowed: false, input: 'no-such-connection' },
    ],
  };
}

function loaded(): Comparison[] {
  if (!comparisons) {
    throw new Error('measure or verdicts was called before load');
  }
  return comparisons;
}

/** Warms every subject up, then times `rounds` batches of each, rotating the order per round. */
async function measure(params: HotPathParams): Promise<HotPathSeries[]> {
  const series: HotPathSeries[] = [];
  for (const comparison of loaded()) {
    series.push(...(await measureComparison(comparison, params.rounds)));
  }
  return series;
}

async function measureComparison(comparison: Comparison, rounds: number): Promise<HotPathSeries[]> {
  const { subjects, batch, measurement } = comparison;
  for (const item of subjects) {
    for (let index = 0; index < WARM_UP_DECISIONS; index++) {
      if (!(await item.warmUp(index))) {
        throw new Error(`${item.name} did not allow a valid request during warm-up`);
      }
    }
  }

  const results = subjects.map((item) => ({
    measurement,
    baseline: subjects[0].name,
    subject: item.name,
    decisionsPerSecond: [] as number[],
    p50Us: [] as number[],
    p99Us: [] as number[],
    wrongDecisions: 0,
    requests: 0,
  }));
  for (let round = 0; round < rounds; round++) {
    for (let offset = 0; offset < subjects.length; offset++) {
      const index = (round + offset) % subjects.length;
      const item = subjects[index];
      const requestsBefore = item.service?.server.requests() ?? 0;
      const figures = await timeBatch(item.run, round * batch, batch, item.hooks);
      const result = results[index];
      result.requests += (item.service?.server.requests() ?? 0) - requestsBefore;
      result.decisionsPerSecond.push(figures.decisionsPerSecond);
      result.p50Us.push(figures.p50Us);
      result.p99Us.push(figures.p99Us);
      result.wrongDecisions += figures.wrongDecisions;
    }
  }

  const denied = results.filter((result) => result.wrongDecisions > 0);
  if (denied.length > 0) {
    const names = denied.map((result) => `${result.subject} (${result.wrongDecisions})`);
    throw new Error(`${measurement}: valid requests denied while measuring by ${names.join(', ')}`);
  }
  return results.map(({ requests, ...result }, index) => {
    const service = subjects[index].service;
    return service
      ? {
          ...result,
          serviceRequests: { service: service.name, perDecision: requests / (rounds * batch) },
        }
      : result;
  });
}

/** Decides every fairness case with every subject it applies to. */
async function verdicts(): Promise<FairnessVerdict[]> {
  const found: FairnessVerdict[] = [];
  for (const comparison of loaded()) {
    for (const testCase of comparison.cases) {
      for (const item of comparison.subjects) {
        if (testCase.only && !testCase.only.includes(item.name)) {
          continue;
        }
        found.push({
          measurement: comparison.measurement,
          testCase: testCase.name,
          subject: item.name,
          expected: testCase.allowed,
          allowed: await item.check(testCase.input),
        });
      }
    }
  }
  return found;
}

serveCalls({ load, measure, verdicts });

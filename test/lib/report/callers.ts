/**
 * Local services that give an example's callers what they need beyond a signed token.
 * Subscription keys come from a registry in dynalite, and certificates from openssl CAs that
 * carry the example's CA names. Basic users and onward secrets sit in a local Secrets Manager.
 * The example's own token broker bundle runs behind a local Lambda Invoke endpoint, with its
 * token endpoints moved to 127.0.0.1.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import type { AccessRequirement, AuthorizerConfig } from '../../../lambda/policy/config';
import { canonicalName } from '../../../lambda/policy/certificate/names';
import { hashPassword } from '../../../lambda/policy/basic/password-hash';
import type { ProductCatalog } from '../../../lambda/subscriptions/catalog';
import { SubscriptionManager } from '../../../lambda/subscriptions/manager';
import { SubscriptionStore } from '../../../lambda/subscriptions/store';
import type {
  BrokerRequest,
  BrokerResponse,
  ConnectionConfig,
  TokenBrokerConfig,
} from '../../../lambda/token-broker/config';
import { ClientCertificateAccessReport, EffectivePolicyReport } from '../../../lib/report/model';
import { CertificateLab, IssuedCertificate, TestCa } from '../../support/certificates';
import { RegistryServer, startRegistryServer } from '../../lambda/subscriptions/registry-server';
import {
  LocalServer,
  listen,
  loadBundle,
  readBody,
  startSecretsManager,
  useLocalAws,
} from '../../lambda/token-broker/support';

const ACCOUNT_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret';
const BROKER_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:report-probe-broker';
const BROKER_VARIABLE = 'GATEHOUSE_TOKEN_BROKER_ARN';

type Broker = { handler(event: BrokerRequest): Promise<BrokerResponse> };

/** Basic credentials of the one user put in a user store. */
export interface BasicUser {
  readonly user: string;
  readonly password: string;
}

/** The certificates a probe presents for one client certificate requirement. */
export interface CertificateSet {
  /** A certificate that meets every listed rule, from a CA the requirement names. */
  readonly allowed: IssuedCertificate;
  /** Certificates that each break one listed rule, with what they break. */
  readonly denied: [string, IssuedCertificate][];
}

/**
 * The local services, started once per test file. `prepare` readies them for one example;
 * `close` stops them and restores the environment.
 */
export class LocalServices {
  private readonly savedEnv = { ...process.env };
  private readonly lab = new CertificateLab();
  private readonly crls = new Map<string, TestCa>();
  private readonly clients = new Map<
    string,
    (form: URLSearchParams, auth?: string) => Promise<boolean>
  >();
  private broker: { module: Broker; dispose(): void } | undefined;
  private names = 0;

  private constructor(
    private readonly registry: RegistryServer,
    private readonly secrets: Map<string, string>,
    private readonly servers: LocalServer[],
    private readonly crlBase: string,
    private readonly tokenEndpoint: string,
  ) {}

  static async start(): Promise<LocalServices> {
    const registry = await startRegistryServer();
    const secrets = new Map<string, string>();
    const secretsManager = await startSecretsManager(secrets);
    // The servers start before the object that handles their requests exists.
    const owner: { services?: LocalServices } = {};
    const crl = await listen((request, response) => owner.services?.serveCrl(request, response));
    const token = await listen(
      (request, response) => void owner.services?.serveToken(request, response),
    );
    const lambda = await listen(
      (request, response) => void owner.services?.serveInvoke(request, response),
    );
    const services = new LocalServices(
      registry,
      secrets,
      [secretsManager, crl, token, lambda],
      crl.url,
      `${token.url}/token`,
    );
    owner.services = services;
    useLocalAws({ secretsManager: secretsManager.url, dynamoDb: registry.endpoint });
    process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.url;
    return services;
  }

  /**
   * Readies the services for one example: a subscription to each product of each registry,
   * a user in each Basic user store, CAs named like the example's CAs, and the example's
   * token broker.
   */
  async prepare(report: EffectivePolicyReport, assembly: string): Promise<PreparedCallers> {
    const configs = report.gateways
      .filter((gateway) => gateway.authorizerAsset !== null)
      .map(
        (gateway) =>
          JSON.parse(
            readFileSync(join(assembly, gateway.authorizerAsset!, 'config.json'), 'utf8'),
          ) as AuthorizerConfig,
      );
    const keys = new Map<string, Map<string, string>>();
    const users = new Map<string, BasicUser>();
    const authorities = new Map<string, TestCa>();
    for (const config of configs) {
      for (const [id, registry] of Object.entries(config.subscriptionRegistries ?? {})) {
        process.env[registry.tableNameVariable] = this.registry.tableName;
        keys.set(id, await this.subscribeToEach(report, registry.products));
      }
      for (const [id, store] of Object.entries(config.basicUserStores ?? {})) {
        const user = { user: 'report-probe', password: randomBytes(12).toString('base64url') };
        const arn = this.secretArn(store.secretArnVariable);
        this.secrets.set(
          arn,
          JSON.stringify({ users: { [user.user]: await hashPassword(user.password) } }),
        );
        users.set(id, user);
      }
      for (const pem of certificateAuthoritiesIn(config)) {
        this.authorityLike(pem, authorities);
      }
    }
    const brokered = await this.loadBroker(assembly);
    return new PreparedCallers(this, keys, users, authorities, brokered);
  }

  /**
   * Runs `action` while the authorizer's broker ARN names a function the local Lambda
   * endpoint does not know, so every broker call fails.
   */
  async withBrokerDown<T>(action: () => Promise<T>): Promise<T> {
    const saved = process.env[BROKER_VARIABLE];
    process.env[BROKER_VARIABLE] = `${BROKER_ARN}-missing`;
    try {
      return await action();
    } finally {
      process.env[BROKER_VARIABLE] = saved;
    }
  }

  /** Stops the servers, deletes the CAs and restores the environment. */
  async close(): Promise<void> {
    this.broker?.dispose();
    this.lab.dispose();
    await Promise.all(this.servers.map((server) => server.close()));
    await this.registry.close();
    process.env = this.savedEnv;
  }

  /** Issues a leaf certificate whose CRL distribution point this lab serves. */
  issue(ca: TestCa, commonName: string): IssuedCertificate {
    const path = `/${++this.names}.crl`;
    this.crls.set(path, ca);
    return ca.issue({ subject: [['CN', commonName]], crlUrl: `${this.crlBase}${path}` });
  }

  /** Issues a certificate whose CRL distribution point returns 503. */
  issueWithoutCrl(ca: TestCa, commonName: string): IssuedCertificate {
    return ca.issue({ subject: [['CN', commonName]], crlUrl: `${this.crlBase}/missing.crl` });
  }

  /** Creates a root CA outside every trust store, with the given subject. */
  untrustedCa(subject: [string, string][]): TestCa {
    return this.lab.rootCa({ subject });
  }

  private async subscribeToEach(
    report: EffectivePolicyReport,
    products: Readonly<Record<string, readonly string[]>>,
  ): Promise<Map<string, string>> {
    const listed = report.gateways
      .flatMap((gateway) => gateway.apis)
      .flatMap((api) => api.operations)
      .flatMap((operation) => operation.products);
    const catalog: ProductCatalog = {
      apis: [...new Set(Object.values(products).flat())],
      products: Object.fromEntries(
        Object.entries(products).map(([id, apis]) => {
          const product = listed.find((candidate) => candidate.productId === id);
          return [
            id,
            {
              apis,
              subscriptionRequired: product?.subscriptionRequired ?? true,
              approvalRequired: product?.approvalRequired ?? false,
              published: true,
            },
          ];
        }),
      ),
    };
    const manager = new SubscriptionManager({
      store: new SubscriptionStore(this.registry.client, this.registry.tableName),
      catalog,
    });
    const keys = new Map<string, string>();
    for (const productId of Object.keys(products)) {
      const subscribe = () => manager.create({ owner: `report-probe-${++this.names}`, productId });
      const created = await subscribe();
      if (created.subscription.state === 'submitted') {
        await manager.transition(created.subscription.id, 'approve');
        const waiting = await subscribe();
        keys.set(pendingKey(productId), waiting.keys.primary as string);
      }
      keys.set(productId, created.keys.primary as string);
    }
    return keys;
  }

  /**
   * Makes a CA with the subject of `pem`, signed by the lab CA named like its issuer, and
   * files it under the SHA-256 fingerprint of `pem`, as the report lists the CA.
   */
  private authorityLike(pem: string, authorities: Map<string, TestCa>): TestCa {
    const x509 = new X509Certificate(pem);
    const existing = authorities.get(fingerprintOf(x509));
    if (existing) return existing;
    const subject = { subject: attributesOf(x509.subject) };
    let ca: TestCa;
    if (x509.issuer === x509.subject) {
      ca = this.lab.rootCa(subject);
    } else {
      const parent = [...authorities.values()].find(
        (other) => new X509Certificate(other.pem).subject === x509.issuer,
      );
      if (!parent) throw new Error(`no CA in the config issued ${x509.subject}`);
      ca = parent.intermediate(subject);
    }
    authorities.set(fingerprintOf(x509), ca);
    return ca;
  }

  /**
   * Loads the token broker bundle of the assembly with its own config, each token endpoint
   * moved to the local one, and fills the secrets its connections read. Returns false when
   * the assembly has no broker.
   */
  private async loadBroker(assembly: string): Promise<boolean> {
    this.broker?.dispose();
    this.broker = undefined;
    delete process.env[BROKER_VARIABLE];
    const directory = readdirSync(assembly)
      .map((name) => join(assembly, name))
      .find((path) => {
        const configPath = join(path, 'config.json');
        return (
          existsSync(configPath) && 'connections' in JSON.parse(readFileSync(configPath, 'utf8'))
        );
      });
    if (!directory) return false;
    const config = JSON.parse(
      readFileSync(join(directory, 'config.json'), 'utf8'),
    ) as TokenBrokerConfig;
    const connections: Record<string, ConnectionConfig> = {};
    for (const [name, connection] of Object.entries(config.connections)) {
      connections[name] = await this.localConnection(connection);
    }
    this.broker = loadBundle<Broker>(join(directory, 'index.js'), { ...config, connections });
    process.env[BROKER_VARIABLE] = BROKER_ARN;
    return true;
  }

  /** Fills the connection's secret and points its token endpoint at the local one. */
  private async localConnection(connection: ConnectionConfig): Promise<ConnectionConfig> {
    if (connection.kind === 'basic') {
      const login = { username: 'gatehouse', password: randomBytes(12).toString('base64url') };
      this.secrets.set(this.secretArn(connection.secretArnVariable), JSON.stringify(login));
      return connection;
    }
    const auth = connection.clientAuthentication;
    const arn = this.secretArn(auth.secretArnVariable);
    if (auth.method === 'private_key_jwt') {
      const algorithm = auth.algorithm ?? 'RS256';
      const pair = await generateKeyPair(algorithm, { extractable: true });
      this.secrets.set(arn, JSON.stringify(await exportJWK(pair.privateKey)));
      const publicJwk = await exportJWK(pair.publicKey);
      this.clients.set(connection.clientId, async (form) => {
        const assertion = form.get('client_assertion');
        if (!assertion) return false;
        const key = await importJWK(publicJwk, algorithm);
        const { payload } = await jwtVerify(assertion, key, { subject: connection.clientId });
        return payload.iss === connection.clientId;
      });
    } else {
      const secret = randomBytes(16).toString('base64url');
      this.secrets.set(arn, secret);
      const expected = `${connection.clientId}:${secret}`;
      this.clients.set(connection.clientId, async (form, header) => {
        if (auth.method === 'client_secret_post') {
          return form.get('client_secret') === secret;
        }
        const given = Buffer.from((header ?? '').replace(/^Basic /, ''), 'base64').toString();
        return decodeURIComponent(given) === expected;
      });
    }
    return { ...connection, tokenEndpoint: this.tokenEndpoint };
  }

  private secretArn(variable: string): string {
    const arn = `${ACCOUNT_ARN}:${variable.toLowerCase()}-${++this.names}`;
    process.env[variable] = arn;
    return arn;
  }

  private serveCrl(request: IncomingMessage, response: ServerResponse): void {
    const ca = this.crls.get(request.url ?? '');
    if (ca === undefined) response.writeHead(503).end();
    else response.writeHead(200).end(ca.crl().der);
  }

  /** Issues an access token to a client whose credentials are valid, and 401 to others. */
  private async serveToken(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    const header = request.headers.authorization;
    const basicId = header?.startsWith('Basic ')
      ? decodeURIComponent(Buffer.from(header.slice(6), 'base64').toString().split(':')[0])
      : undefined;
    const clientId = form.get('client_id') ?? basicId ?? '';
    const check = this.clients.get(clientId);
    const known = check ? await check(form, header).catch(() => false) : false;
    response.setHeader('content-type', 'application/json');
    if (!known) {
      response.writeHead(401).end(JSON.stringify({ error: 'invalid_client' }));
      return;
    }
    const token = randomBytes(24).toString('base64url');
    response.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 300 }));
  }

  /** Serves Lambda's Invoke API by running the loaded broker bundle. */
  private async serveInvoke(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = `/2015-03-31/functions/${encodeURIComponent(BROKER_ARN)}/invocations`;
    const body = await readBody(request);
    if (!this.broker || request.method !== 'POST' || request.url !== path) {
      response.writeHead(404).end(JSON.stringify({ Type: 'User', message: 'Function not found' }));
      return;
    }
    const reply = await this.broker.module.handler(JSON.parse(body) as BrokerRequest);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(reply));
  }
}

/** What the probes of one example may present, beyond a signed token. */
export class PreparedCallers {
  constructor(
    private readonly services: LocalServices,
    private readonly keys: Map<string, Map<string, string>>,
    private readonly users: Map<string, BasicUser>,
    private readonly authorities: Map<string, TestCa>,
    /** True when the example's token broker runs behind the local Lambda endpoint. */
    readonly brokered: boolean,
  ) {}

  /** Returns the key of an active subscription to the product, or undefined. */
  subscriptionKey(registry: string, productId: string): string | undefined {
    return this.keys.get(registry)?.get(productId);
  }

  /** Returns the key of a subscription to the product that awaits approval, or undefined. */
  pendingSubscriptionKey(registry: string, productId: string): string | undefined {
    return this.keys.get(registry)?.get(pendingKey(productId));
  }

  /** Returns the ids of every product of the registry. */
  productsOf(registry: string): string[] {
    return [...(this.keys.get(registry)?.keys() ?? [])].filter((id) => !id.endsWith(PENDING));
  }

  basicUser(userStore: string): BasicUser | undefined {
    return this.users.get(userStore);
  }

  /**
   * Issues the certificates for a requirement as the report lists it. The lab's CA twins
   * carry the names of the listed CAs, and `trustLocalAuthorities` makes the authorizer trust
   * them. Returns undefined when a listed CA has no twin, or when an identity rule checks more
   * than the issuer's name, because these certificates do not try to meet such a rule.
   */
  certificatesFor(access: ClientCertificateAccessReport): CertificateSet | undefined {
    const cas = access.certificateAuthorities.map((ca) => this.authorities.get(ca.sha256));
    if (cas.some((ca) => ca === undefined)) return undefined;

    const trusted = cas as TestCa[];
    const identities = access.identities;
    const rules = new Set(identities?.flatMap((identity) => Object.keys(identity)) ?? []);
    if ([...rules].some((rule) => rule !== 'issuerSubject' && rule !== 'consumerId')) {
      return undefined;
    }
    const named = (ca: TestCa) =>
      identities === null ||
      identities.some(
        (identity) =>
          identity.issuerSubject === undefined ||
          identity.issuerSubject === canonical(new X509Certificate(ca.pem).subject),
      );
    const issuer = trusted.find(named);
    if (!issuer) return undefined;

    const allowed = this.services.issue(issuer, 'report-probe-device');
    const denied: [string, IssuedCertificate][] = [];
    const lookalike = this.services.untrustedCa(
      attributesOf(new X509Certificate(issuer.pem).subject),
    );
    denied.push([
      'a certificate from an untrusted CA of the same name',
      this.services.issue(lookalike, 'report-probe-device'),
    ]);

    const unnamed = trusted.find((ca) => !named(ca));
    if (unnamed) {
      denied.push([
        'a certificate from a trusted CA no identity names',
        this.services.issue(unnamed, 'report-probe-other'),
      ]);
    }

    const revocation = access.revocation;
    if (revocation.mode === 'crl') {
      const revoked = this.services.issue(issuer, 'report-probe-revoked');
      issuer.revoke(revoked);
      denied.push(['a revoked certificate', revoked]);
      if (revocation.requireCrl === true && revocation.fetchDistributionPoints === true) {
        denied.push([
          'a certificate whose CRL cannot be fetched',
          this.services.issueWithoutCrl(issuer, 'report-probe-no-crl'),
        ]);
      }
    }
    return { allowed, denied };
  }

  /** Returns a copy of the config whose certificate requirements trust the lab's CAs. */
  trustLocalAuthorities(config: AuthorizerConfig): AuthorizerConfig {
    const swap = (access: AccessRequirement): AccessRequirement => {
      if (access.kind === 'allOf' || access.kind === 'anyOf') {
        return { ...access, of: access.of.map(swap) };
      }
      if (access.kind !== 'clientCertificate') return access;

      const twins = access.certificateAuthorities.map((pem) =>
        this.authorities.get(fingerprintOf(new X509Certificate(pem))),
      );
      let revocation = access.revocation;
      if (revocation.mode === 'crl' && revocation.crls.length > 0) {
        // Shipped CRLs of the example's CAs say nothing about the lab's certificates.
        const crls = twins.flatMap((ca) => (ca ? [ca.crl().der.toString('base64')] : []));
        revocation = { ...revocation, crls };
      }
      return {
        ...access,
        certificateAuthorities: access.certificateAuthorities.map(
          (pem, index) => twins[index]?.pem ?? pem,
        ),
        revocation,
      };
    };
    const apis = Object.fromEntries(
      Object.entries(config.apis).map(([id, api]) => [
        id,
        {
          ...api,
          operations: api.operations.map((operation) => ({
            ...operation,
            access: swap(operation.access),
          })),
        },
      ]),
    );
    return { ...config, apis };
  }
}

const PENDING = '#pending';

function pendingKey(productId: string): string {
  return `${productId}${PENDING}`;
}

function certificateAuthoritiesIn(config: AuthorizerConfig): string[] {
  const found: string[] = [];
  const walk = (access: AccessRequirement) => {
    if (access.kind === 'allOf' || access.kind === 'anyOf') access.of.forEach(walk);
    if (access.kind === 'clientCertificate') found.push(...access.certificateAuthorities);
  };
  Object.values(config.apis).forEach((api) => api.operations.forEach((op) => walk(op.access)));
  return [...new Set(found)];
}

/** Splits node's multi-line distinguished name into `[type, value]` pairs. */
function attributesOf(name: string): [string, string][] {
  return name.split('\n').map((line) => {
    const at = line.indexOf('=');
    return [line.slice(0, at), line.slice(at + 1)];
  });
}

/** Returns a name in the canonical form that the compiled config uses for `issuerSubject`. */
function canonical(name: string): string {
  return canonicalName(attributesOf(name).map(([type, value]) => ({ type, value })));
}

/** Returns the upper-case SHA-256 fingerprint without colons, as the report lists a CA. */
function fingerprintOf(certificate: X509Certificate): string {
  return certificate.fingerprint256.replace(/:/g, '');
}

import { Duration, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { AccessRequirement, BackendCredentialConfig } from '../../lambda/policy/config';
import { ConnectionConfig } from '../../lambda/token-broker/config';
import { Api } from '../api/api';
import {
  AccessPolicy,
  IJwtValidator,
  PolicyCompileContext,
  PolicyInputs,
} from '../core/access-policy';
import { GatehouseValidationError } from '../core/errors';
import { IStageOwner } from '../client-certificate/backend-client-certificate';
import { TokenBroker } from '../token-broker/token-broker';
import { ClientAuthentication } from './client-authentication';

/** Environment variable of the authorizer that contains the broker's ARN. */
const BROKER_ARN_VARIABLE = 'GATEHOUSE_TOKEN_BROKER_ARN';
/** Authorizer context key of the backend credential. */
const CONTEXT_KEY = 'backendAuthorization';
/** HTTP header names are tokens (RFC 9110 section 5.1). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

export interface BrokeredBackendAuthOptions {
  /** The broker that fetches the credential. */
  readonly broker: TokenBroker;
  /**
   * Header the credential is sent in, replacing any value the caller sent.
   *
   * @default 'Authorization'
   */
  readonly header?: string;
  /**
   * Timeout of the authorizer's call to the broker.
   *
   * @default Duration.seconds(5)
   */
  readonly brokerTimeout?: Duration;
}

export interface BasicBackendAuthOptions extends BrokeredBackendAuthOptions {
  /** Secret whose string value is `{"username": "...", "password": "..."}`. */
  readonly secret: secretsmanager.ISecret;
}

export interface OAuthBackendAuthOptions extends BrokeredBackendAuthOptions {
  /** Token endpoint of the identity provider, an https URL. */
  readonly tokenEndpoint: string;
  /** The gateway's client id at the identity provider. */
  readonly clientId: string;
  /** Client authentication method of the gateway at the token endpoint. */
  readonly clientAuthentication: ClientAuthentication;
  /**
   * Scopes to request.
   *
   * @default - no `scope` parameter; the provider grants its default scopes
   */
  readonly scopes?: string[];
  /**
   * `audience` parameter, naming the backend for providers that use it (RFC 8693).
   *
   * @default - no `audience` parameter
   */
  readonly audience?: string;
  /**
   * `resource` parameter, the backend's URI (RFC 8707).
   *
   * @default - no `resource` parameter
   */
  readonly resource?: string;
}

export interface TokenExchangeBackendAuthOptions extends OAuthBackendAuthOptions {
  /**
   * The validator of the caller's token. Its token is exchanged, and the operation's policy
   * is extended so this validator always checks the token before it is exchanged.
   */
  readonly subjectValidator: IJwtValidator;
}

/**
 * The credential the gateway presents to a backend. Apply it with `policy()`, which wraps the
 * caller's access policy, at API or operation scope.
 *
 * The credential reaches the backend in the `Authorization` header (or the configured one),
 * replacing whatever the caller sent. Broker credentials travel through the authorizer
 * context, so API Gateway never caches decisions of operations that use one: their
 * authorizer has a result TTL of 0, because a cached decision could outlive its token.
 *
 * @example
 * const backendAuth = BackendAuth.clientCredentials({
 *   broker,
 *   tokenEndpoint: 'https://login.example.com/oauth2/token',
 *   clientId: 'gateway',
 *   clientAuthentication: ClientAuthentication.clientSecretBasic(clientSecret),
 * });
 * api.addOperation('GET', '/orders', { backend, policy: backendAuth.policy(AccessPolicy.jwt(validator)) });
 */
export abstract class BackendAuth {
  /** Sends `Authorization: Basic ...` built from a user id and password kept in a secret. */
  public static basic(options: BasicBackendAuthOptions): BackendAuth {
    return new BrokeredBackendAuth(options, undefined, (broker) => ({
      kind: 'basic',
      secretArnVariable: broker._secretVariable(options.secret),
    }));
  }

  /** Sends a token the gateway gets for itself with the client credentials grant. */
  public static clientCredentials(options: OAuthBackendAuthOptions): BackendAuth {
    return new BrokeredBackendAuth(options, undefined, (broker, scope) =>
      oauthConnection('clientCredentials', options, broker, scope),
    );
  }

  /** Sends a token exchanged (RFC 8693) for the caller's, with the backend as audience. */
  public static tokenExchange(options: TokenExchangeBackendAuthOptions): BackendAuth {
    return new BrokeredBackendAuth(options, options.subjectValidator, (broker, scope) =>
      oauthConnection('tokenExchange', options, broker, scope),
    );
  }

  /**
   * Presents a client certificate that API Gateway keeps, on every call of the API's stage.
   * It applies to the whole stage, so use it at API scope.
   */
  public static clientCertificate(certificate: { attachTo(api: IStageOwner): void }): BackendAuth {
    return new CertificateBackendAuth(certificate);
  }

  /** Returns `callerPolicy` extended so matching requests carry this backend credential. */
  public abstract policy(callerPolicy: AccessPolicy): AccessPolicy;
}

type ConnectionFactory = (broker: TokenBroker, scope: IConstruct) => ConnectionConfig;

let connectionCount = 0;

class BrokeredBackendAuth extends BackendAuth {
  private readonly connectionId = `connection-${++connectionCount}`;

  /** Adds the connection to the broker at once, because the broker function may be created first. */
  constructor(
    private readonly options: BrokeredBackendAuthOptions,
    private readonly subjectValidator: IJwtValidator | undefined,
    connection: ConnectionFactory,
  ) {
    super();
    options.broker._addConnection(this.connectionId, connection(options.broker, options.broker));
  }

  public policy(callerPolicy: AccessPolicy): AccessPolicy {
    return new BackendCredentialPolicy(callerPolicy, this);
  }

  /** @internal */
  public _header(): string {
    return this.options.header ?? 'Authorization';
  }

  /** @internal */
  public _compile(context: PolicyCompileContext): AccessRequirement[] {
    const { broker } = this.options;
    const header = this._header();
    if (!HEADER_NAME.test(header)) {
      throw new GatehouseValidationError(
        'InvalidBackendAuthHeader',
        `header must be an HTTP header name of 1 to 64 token characters, got '${header}'`,
        context.scope,
      );
    }
    context.addAuthorizerGrant((authorizer) => bindAuthorizer(authorizer, broker, context.scope));

    const subjectValidator = this.subjectValidator
      ? context.registerJwtValidator(this.subjectValidator)
      : undefined;
    const marker: BackendCredentialConfig = {
      connection: this.connectionId,
      subjectValidator,
      contextKey: CONTEXT_KEY,
      brokerTimeoutMs: (this.options.brokerTimeout ?? Duration.seconds(5)).toMilliseconds(),
    };
    const subjectCheck: AccessRequirement[] = subjectValidator
      ? [{ kind: 'jwt', validator: subjectValidator, claims: [] }]
      : [];
    return [...subjectCheck, { kind: 'backendCredential', ...marker }];
  }
}

class BackendCredentialPolicy extends AccessPolicy {
  constructor(
    private readonly callerPolicy: AccessPolicy,
    private readonly auth: BrokeredBackendAuth,
  ) {
    super();
  }

  public _compile(context: PolicyCompileContext): AccessRequirement {
    return {
      kind: 'allOf',
      of: [this.callerPolicy._compile(context), ...this.auth._compile(context)],
    };
  }

  /** Never cacheable: a cached decision would keep handing out the credential it carries. */
  public _inputs(): PolicyInputs {
    return { identitySources: [], cacheable: false };
  }

  public _forwardedHeaders(): Record<string, string> {
    return { ...this.callerPolicy._forwardedHeaders(), [this.auth._header()]: CONTEXT_KEY };
  }
}

class CertificateBackendAuth extends BackendAuth {
  constructor(private readonly certificate: { attachTo(api: IStageOwner): void }) {
    super();
  }

  public policy(callerPolicy: AccessPolicy): AccessPolicy {
    return new CertificatePolicy(callerPolicy, this.certificate);
  }
}

class CertificatePolicy extends AccessPolicy {
  constructor(
    private readonly callerPolicy: AccessPolicy,
    private readonly certificate: { attachTo(api: IStageOwner): void },
  ) {
    super();
  }

  public get isAnonymous(): boolean {
    return this.callerPolicy.isAnonymous;
  }

  public _compile(context: PolicyCompileContext): AccessRequirement {
    if (!(context.scope instanceof Api)) {
      throw new GatehouseValidationError(
        'CertificateOutsideApi',
        'BackendAuth.clientCertificate() applies to an API stage, so its policy must be used on an Api or its operations',
        context.scope,
      );
    }
    this.certificate.attachTo(context.scope);
    return this.callerPolicy._compile(context);
  }

  public _inputs(): PolicyInputs {
    return this.callerPolicy._inputs();
  }

  public _forwardedHeaders(): Record<string, string> {
    return this.callerPolicy._forwardedHeaders();
  }
}

function oauthConnection(
  kind: 'clientCredentials' | 'tokenExchange',
  options: OAuthBackendAuthOptions,
  broker: TokenBroker,
  scope: IConstruct,
): ConnectionConfig {
  checkTokenEndpoint(options.tokenEndpoint, scope);
  const auth = options.clientAuthentication;
  return {
    kind,
    tokenEndpoint: options.tokenEndpoint,
    clientId: options.clientId,
    clientAuthentication: auth._compile(broker._secretVariable(auth.secret)),
    scope: options.scopes?.join(' '),
    audience: options.audience,
    resource: options.resource,
  };
}

function checkTokenEndpoint(url: string, scope: IConstruct): void {
  if (Token.isUnresolved(url)) {
    throw new GatehouseValidationError(
      'UnresolvedTokenEndpoint',
      'tokenEndpoint must be a literal URL, because it is written into the broker config at synth, got an unresolved token',
      scope,
    );
  }
  if (!/^https:\/\/[^/?#]+/.test(url)) {
    throw new GatehouseValidationError(
      'InvalidTokenEndpoint',
      `tokenEndpoint must be an https URL, because the client secret is sent to it, got '${url}'`,
      scope,
    );
  }
}

const brokerOfAuthorizer = new WeakMap<lambda.IFunction, TokenBroker>();

/** Grants the authorizer invoke on the broker and sets the broker ARN variable, once per authorizer. */
function bindAuthorizer(
  authorizer: lambda.IFunction,
  broker: TokenBroker,
  scope: IConstruct,
): void {
  const bound = brokerOfAuthorizer.get(authorizer);
  if (bound === broker) {
    return;
  }
  if (bound !== undefined) {
    throw new GatehouseValidationError(
      'MultipleTokenBrokers',
      `a gateway's authorizer can use one token broker, but policies use both ${bound.node.path} and ${broker.node.path}`,
      scope,
    );
  }
  brokerOfAuthorizer.set(authorizer, broker);
  // Only the unqualified ARN is granted, because the authorizer invokes no version or alias.
  authorizer.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [broker.function.functionArn],
    }),
  );
  (authorizer as lambda.Function).addEnvironment(BROKER_ARN_VARIABLE, broker.function.functionArn);
}

/**
 * Returns the backend credential of a compiled access requirement, looking through `allOf`
 * only. A credential under `anyOf` would depend on which branch passed, and two credentials
 * would compete for one header, so both fail the synth.
 */
export function findBackendCredential(
  access: AccessRequirement,
  scope: IConstruct,
): BackendCredentialConfig | undefined {
  if (access.kind === 'backendCredential') {
    const { connection, subjectValidator, contextKey, brokerTimeoutMs } = access;
    return { connection, subjectValidator, contextKey, brokerTimeoutMs };
  }
  if (access.kind === 'anyOf' && access.of.some(containsBackendCredential)) {
    throw new GatehouseValidationError(
      'BackendAuthUnderAnyOf',
      'a backendAuth.policy() cannot be one alternative of AccessPolicy.anyOf(), because the backend credential would depend on which alternative passed; wrap the whole anyOf() in backendAuth.policy() instead',
      scope,
    );
  }
  if (access.kind !== 'allOf') {
    return undefined;
  }

  const found = access.of
    .map((requirement) => findBackendCredential(requirement, scope))
    .filter((credential) => credential !== undefined);
  if (found.length > 1) {
    throw new GatehouseValidationError(
      'MultipleBackendAuth',
      `an operation can use one backendAuth.policy(), got ${found.length} inside one AccessPolicy.allOf()`,
      scope,
    );
  }
  return found[0];
}

function containsBackendCredential(access: AccessRequirement): boolean {
  if (access.kind === 'backendCredential') {
    return true;
  }
  const nested = access.kind === 'allOf' || access.kind === 'anyOf';
  return nested && access.of.some(containsBackendCredential);
}

import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Aspects, Duration, IAspect, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { ConnectionConfig, TokenBrokerConfig } from '../../lambda/token-broker/config';
import { GatehouseValidationError } from '../core/errors';

/** The broker bundle that `npm run build:lambda` writes inside this package. */
export const DEFAULT_TOKEN_BROKER_BUNDLE = resolve(
  __dirname,
  '..',
  '..',
  'dist',
  'bundles',
  'token-broker',
  'index.js',
);

export interface TokenBrokerProps {
  /**
   * Keeps tokens in a DynamoDB table as well as in memory, so broker instances share them.
   * The table is encrypted with a customer-managed KMS key that only the broker may use.
   *
   * @default false: each broker instance caches in memory and fetches its own tokens
   */
  readonly sharedCache?: boolean;
  /**
   * Time before a token's expiry at which the broker stops handing it out. Never more than
   * half of a token's lifetime is taken off, so short-lived tokens are still reused.
   *
   * @default Duration.seconds(60)
   */
  readonly expiryMargin?: Duration;
  /**
   * Lifetime assumed for a token response without `expires_in`.
   *
   * @default Duration.minutes(5)
   */
  readonly defaultTokenLifetime?: Duration;
  /**
   * Maximum time a token is kept, whatever its `expires_in` value.
   *
   * @default Duration.hours(1)
   */
  readonly maxTokenLifetime?: Duration;
  /**
   * Wait after a failed token request before the provider is asked again. It doubles on each
   * further failure, up to `maxFailureBackoff`; requests in between fail at once.
   *
   * @default Duration.seconds(5)
   */
  readonly failureBackoff?: Duration;
  /**
   * Maximum wait between token requests while the provider keeps failing.
   *
   * @default Duration.minutes(1)
   */
  readonly maxFailureBackoff?: Duration;
  /**
   * Timeout of one token endpoint request.
   *
   * @default Duration.seconds(5)
   */
  readonly requestTimeout?: Duration;
  /**
   * Time a secret read from Secrets Manager is used before it is read again, which bounds
   * how long a rotated client secret or Basic password takes to reach the broker.
   *
   * @default Duration.minutes(5)
   */
  readonly secretRefreshInterval?: Duration;
  /**
   * Retention of the broker's log.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Path of the broker bundle.
   *
   * @default - `dist/bundles/token-broker/index.js` of this package, built by `npm run build:lambda`
   */
  readonly bundlePath?: string;
}

/**
 * A Lambda function with its own role that fetches the credentials gateways send to their
 * backends: Basic passwords, OAuth 2.0 client credentials tokens and RFC 8693 exchanged
 * tokens. It is the only code granted on the backend secrets; the authorizer invokes it and
 * receives only the header value, never a secret.
 *
 * Connections are added by `BackendAuth` when a policy that uses it is compiled, and the
 * function is created at synth, once every connection is known.
 *
 * @example
 * const broker = new TokenBroker(this, 'Broker', { sharedCache: true });
 * const backendAuth = BackendAuth.clientCredentials({ broker, tokenEndpoint, clientId, clientAuthentication });
 */
export class TokenBroker extends Construct {
  /** The broker's role: it may read the connection secrets, its log and its cache table. */
  public readonly role: iam.Role;
  /** The shared cache table, when `sharedCache` is on. */
  public readonly table?: dynamodb.Table;
  /** The customer-managed key of the shared cache table, when `sharedCache` is on. */
  public readonly tableKey?: kms.Key;

  private readonly props: TokenBrokerProps;
  private readonly logGroup: logs.LogGroup;
  private readonly connections: Record<string, ConnectionConfig> = {};
  private readonly secretVariables = new Map<secretsmanager.ISecret, string>();
  private handler?: lambda.Function;

  constructor(scope: Construct, id: string, props: TokenBrokerProps = {}) {
    super(scope, id);

    this.props = props;
    this.checkDurations();

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Gatehouse token broker: reads backend secrets and its own cache',
    });
    this.logGroup.grantWrite(this.role);

    if (props.sharedCache) {
      this.tableKey = new kms.Key(this, 'CacheKey', {
        description: 'Gatehouse token broker: encrypts cached backend tokens',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      this.table = new dynamodb.Table(this, 'Cache', {
        partitionKey: { name: 'cacheKey', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.tableKey,
        timeToLiveAttribute: 'expiresAt',
        removalPolicy: RemovalPolicy.DESTROY,
      });
      this.table.grant(this.role, 'dynamodb:GetItem', 'dynamodb:PutItem');
      Validations.of(this.table).acknowledge({
        id: 'NIST.800.53.R5-DynamoDBPITREnabled',
        reason:
          'The table only caches tokens that expire within the maximum token lifetime, so point-in-time recovery would restore nothing worth keeping',
      });
      Validations.of(this.table).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason:
          'The table only caches tokens that expire within the maximum token lifetime, so point-in-time recovery would restore nothing worth keeping',
      });
    }

    Aspects.of(this).add(new CreateBrokerFunction(this));
  }

  /** The broker function, created on first use once every connection has been added. */
  public get function(): lambda.IFunction {
    return this._createFunction();
  }

  /** Lets `grantee` invoke the broker; the gateway grants its authorizer this way. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this._createFunction().grantInvoke(grantee);
  }

  /**
   * Lets the broker read a secret and returns the environment variable that will contain
   * its ARN, because the ARN is known only at deploy time.
   * @internal
   */
  public _secretVariable(secret: secretsmanager.ISecret): string {
    this.checkNotCreated();
    let variable = this.secretVariables.get(secret);
    if (variable === undefined) {
      variable = `GATEHOUSE_SECRET_${this.secretVariables.size}`;
      this.secretVariables.set(secret, variable);
      secret.grantRead(this.role);
    }
    return variable;
  }

  /**
   * Adds a connection under `id`; adding the same id again keeps the first connection.
   * @internal
   */
  public _addConnection(id: string, connection: ConnectionConfig): void {
    this.checkNotCreated();
    this.connections[id] ??= connection;
  }

  /**
   * Creates the broker function with the config of the connections added so far.
   * @internal
   */
  public _createFunction(): lambda.Function {
    if (this.handler) {
      return this.handler;
    }
    const bundlePath = this.props.bundlePath ?? DEFAULT_TOKEN_BROKER_BUNDLE;
    if (!existsSync(bundlePath)) {
      throw new GatehouseValidationError(
        'TokenBrokerBundleMissing',
        `token broker bundle not found at ${bundlePath}; run 'npm run build:lambda' to build it`,
        this,
      );
    }
    const staging = mkdtempSync(join(tmpdir(), 'gatehouse-token-broker-'));
    copyFileSync(bundlePath, join(staging, 'index.js'));
    writeFileSync(join(staging, 'config.json'), JSON.stringify(this.compileConfig(), null, 2));

    this.handler = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(staging),
      role: this.role,
      logGroup: this.logGroup,
      memorySize: 256,
      timeout: Duration.seconds(15),
      description: 'Gatehouse token broker: fetches and caches backend credentials',
      environment: this.environment(),
    });
    this.acknowledgeFunctionFindings(this.handler);
    return this.handler;
  }

  private acknowledgeFunctionFindings(handler: lambda.Function): void {
    const synchronous =
      'The authorizer invokes the broker synchronously and denies the request when it fails, so no event is left for a dead-letter queue';
    const runtime =
      'The broker bundle is built and tested for the Node.js 22 runtime; moving to a newer runtime is a deliberate upgrade';
    const reasons: Record<string, string> = {
      'AwsSolutions-L1': runtime,
      'Serverless-LambdaLatestVersion': runtime,
      'Serverless-LambdaDLQ': synchronous,
      'NIST.800.53.R5-LambdaDLQ': synchronous,
      'NIST.800.53.R5-LambdaConcurrency':
        'Reserved concurrency would cap the broker and deny requests of every operation with a backend credential; the broker caches tokens, so its load follows cache misses',
      'NIST.800.53.R5-LambdaInsideVPC':
        'The broker calls token endpoints of public identity providers and Secrets Manager with IAM authorization, and reaches no private resource',
      'Serverless-LambdaTracing':
        'X-Ray tracing is left to the operator; the broker writes a structured JSON log line for every failure',
    };
    for (const [id, reason] of Object.entries(reasons)) {
      Validations.of(handler).acknowledge({ id, reason });
    }
  }

  private environment(): Record<string, string> {
    const environment: Record<string, string> = {};
    for (const [secret, variable] of this.secretVariables) {
      environment[variable] = secret.secretArn;
    }
    if (this.table) {
      environment.GATEHOUSE_TOKEN_CACHE_TABLE = this.table.tableName;
    }
    return environment;
  }

  private checkNotCreated(): void {
    if (this.handler) {
      throw new GatehouseValidationError(
        'BrokerAlreadyCreated',
        'a connection was added after the token broker function was created; add every operation before synth',
        this,
      );
    }
  }

  private compileConfig(): TokenBrokerConfig {
    const seconds = (duration: Duration | undefined, fallback: Duration) =>
      (duration ?? fallback).toSeconds();
    return {
      version: 1,
      connections: this.connections,
      cache: {
        expiryMarginSeconds: seconds(this.props.expiryMargin, Duration.seconds(60)),
        defaultLifetimeSeconds: seconds(this.props.defaultTokenLifetime, Duration.minutes(5)),
        maxLifetimeSeconds: seconds(this.props.maxTokenLifetime, Duration.hours(1)),
        failureBackoffSeconds: seconds(this.props.failureBackoff, Duration.seconds(5)),
        maxFailureBackoffSeconds: seconds(this.props.maxFailureBackoff, Duration.minutes(1)),
      },
      requestTimeoutMs: (this.props.requestTimeout ?? Duration.seconds(5)).toMilliseconds(),
      secretRefreshSeconds: seconds(this.props.secretRefreshInterval, Duration.minutes(5)),
    };
  }

  private checkDurations(): void {
    const timeout = this.props.requestTimeout;
    if (timeout && !Token.isUnresolved(timeout.toSeconds()) && timeout.toSeconds() > 10) {
      throw new GatehouseValidationError(
        'RequestTimeoutTooLong',
        `requestTimeout must be at most 10 seconds, because the authorizer waits for the broker, got ${timeout.toSeconds()} seconds`,
        this,
      );
    }
    const margin = this.props.expiryMargin?.toSeconds() ?? 60;
    const maxLifetime = this.props.maxTokenLifetime?.toSeconds() ?? 3600;
    if (margin >= maxLifetime) {
      throw new GatehouseValidationError(
        'ExpiryMarginTooLong',
        `expiryMargin must be shorter than maxTokenLifetime (${maxLifetime} seconds), got ${margin} seconds`,
        this,
      );
    }
  }
}

/** Creates the broker function when aspects visit the broker. */
class CreateBrokerFunction implements IAspect {
  constructor(private readonly broker: TokenBroker) {}

  public visit(node: IConstruct): void {
    if (node === this.broker) {
      this.broker._createFunction();
    }
  }
}

import { Duration, SecretValue, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { AccessRequirement } from '../../lambda/policy/config';
import { Api } from '../api/api';
import { AccessPolicy, PolicyCompileContext, PolicyInputs } from '../core/access-policy';
import { GatehouseValidationError } from '../core/errors';

/** The realm is quoted in `WWW-Authenticate`, so it may not contain quotes or backslashes. */
const REALM = /^[A-Za-z0-9 ._:/@-]{1,64}$/;
const MAX_REFRESH = Duration.hours(1);

export interface BasicAuthProps {
  /** Realm sent in `WWW-Authenticate: Basic realm="..."` on a 401, naming the user store. */
  readonly realm: string;
  /**
   * An existing user store secret, in the format the `gatehouse basic-auth` command writes.
   *
   * @default - a new secret containing no users; add them with `gatehouse basic-auth add`
   */
  readonly secret?: secretsmanager.ISecret;
  /**
   * Key that encrypts a new user store secret.
   *
   * @default - the account's AWS managed key for Secrets Manager (`aws/secretsmanager`)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Time the authorizer uses a fetched copy of the secret before reading it again, which
   * bounds how long a removed user or an old password keeps working.
   *
   * @default Duration.minutes(5)
   */
  readonly refreshInterval?: Duration;
}

/**
 * Callers identified by a user id and password (RFC 7617 Basic). The users live in a Secrets
 * Manager secret as salted scrypt hashes, never as passwords, and are managed with the
 * `gatehouse basic-auth` command, which hashes locally. Only the gateway authorizer reads
 * the secret.
 *
 * @example
 * const partners = new BasicAuth(this, 'Partners', { realm: 'partners' });
 * api.addOperation('POST', '/invoices', { backend, policy: partners.policy() });
 */
export class BasicAuth extends Construct {
  /** The secret that contains the user records. */
  public readonly secret: secretsmanager.ISecret;
  /** Realm of the `WWW-Authenticate` challenge. */
  public readonly realm: string;
  /** Id of this user store in the authorizer config. */
  public readonly userStoreId: string;
  private readonly refreshInterval: Duration;

  constructor(scope: Construct, id: string, props: BasicAuthProps) {
    super(scope, id);

    this.realm = props.realm;
    this.refreshInterval = props.refreshInterval ?? Duration.minutes(5);
    this.userStoreId = this.node.path;
    this.checkProps(props);

    this.secret = props.secret ?? this.createSecret(props.encryptionKey);
  }

  /** Returns a policy that requires Basic credentials of a user in this store. */
  public policy(): AccessPolicy {
    return new BasicAuthPolicy(this);
  }

  /**
   * Returns the variable of the authorizer that contains the secret ARN.
   * @internal
   */
  public _secretArnVariable(): string {
    const suffix = this.node.addr.slice(0, 8).toUpperCase();
    return `GATEHOUSE_BASIC_USERS_${suffix}`;
  }

  /**
   * Returns this store's entry in the authorizer config.
   * @internal
   */
  public _config() {
    return {
      secretArnVariable: this._secretArnVariable(),
      realm: this.realm,
      refreshSeconds: this.refreshInterval.toSeconds(),
    };
  }

  private createSecret(encryptionKey?: kms.IKey): secretsmanager.Secret {
    // The initial value is an empty user store; it contains nothing secret.
    const secret = new secretsmanager.Secret(this, 'Users', {
      description: `Gatehouse Basic users of realm ${this.realm}: salted scrypt hashes`,
      encryptionKey,
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify({ users: {} })),
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret contains password hashes that users choose; they are rotated per user with the gatehouse basic-auth command, which a rotation Lambda cannot do',
    });
    return secret;
  }

  private checkProps(props: BasicAuthProps): void {
    if (!Token.isUnresolved(props.realm) && !REALM.test(props.realm)) {
      throw new GatehouseValidationError(
        'InvalidRealm',
        `realm must be 1 to 64 letters, digits, spaces or ._:/@-, because it is quoted in WWW-Authenticate, got '${props.realm}'`,
        this,
      );
    }
    const refresh = this.refreshInterval.toSeconds();
    if (!Token.isUnresolved(refresh) && (refresh < 1 || refresh > MAX_REFRESH.toSeconds())) {
      throw new GatehouseValidationError(
        'InvalidRefreshInterval',
        `refreshInterval must be from 1 second to 1 hour, got ${refresh} seconds`,
        this,
      );
    }
    if (props.secret && props.encryptionKey) {
      throw new GatehouseValidationError(
        'EncryptionKeyWithSecret',
        'encryptionKey applies only to a secret that BasicAuth creates; encrypt the given secret with its own key instead',
        this,
      );
    }
  }
}

/** Requires Basic credentials of a user in one `BasicAuth` store. */
class BasicAuthPolicy extends AccessPolicy {
  constructor(private readonly store: BasicAuth) {
    super();
  }

  public _compile(context: PolicyCompileContext): AccessRequirement {
    context.registerConfigEntry('basicUserStores', this.store.userStoreId, this.store._config());
    const api = context.scope instanceof Api ? context.scope : undefined;
    context.addAuthorizerGrant((authorizer) => {
      this.bindAuthorizer(authorizer);
      if (api) addBasicChallenge(api.restApi, this.store.realm);
    });
    return { kind: 'basic', userStore: this.store.userStoreId };
  }

  /** Decisions are cached under the `Authorization` header, which every Basic request carries. */
  public _inputs(): PolicyInputs {
    return { identitySources: ['method.request.header.Authorization'], cacheable: true };
  }

  private bindAuthorizer(authorizer: lambda.IFunction): void {
    this.store.secret.grantRead(authorizer);
    (authorizer as lambda.Function).addEnvironment(
      this.store._secretArnVariable(),
      this.store.secret.secretArn,
    );
  }
}

/**
 * Adds a `Basic realm="..."` challenge to the API's 401 gateway response, after any Bearer
 * challenge already there, so clients learn that Basic credentials are accepted.
 */
function addBasicChallenge(restApi: apigw.RestApi, realm: string): void {
  const response = restApi.node.tryFindChild('Unauthorized')?.node.defaultChild as
    apigw.CfnGatewayResponse | undefined;
  if (!response) {
    return;
  }
  const parameters = { ...((response.responseParameters ?? {}) as Record<string, string>) };
  const key = 'gatewayresponse.header.WWW-Authenticate';
  const challenges = (parameters[key] ?? '').replace(/^'|'$/g, '');
  const basic = `Basic realm="${realm}"`;
  if (challenges.includes(basic)) {
    return;
  }
  parameters[key] = `'${challenges ? `${challenges}, ${basic}` : basic}'`;
  response.responseParameters = parameters;
}

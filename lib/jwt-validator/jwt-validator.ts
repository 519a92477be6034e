import { Duration, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  ForwardedClaimConfig,
  IssuerConfig,
  JwsAlgorithm,
  JwtValidatorConfig,
  KeyCacheConfig,
} from '../../lambda/policy/config';
import { IJwtValidator, RequiredClaim, compileRequiredClaims } from '../core/access-policy';
import { GatehouseValidationError } from '../core/errors';
import { checkHttpsUrl, checkNotBlank, checkTokenName } from './checks';
import { JwtKeys } from './jwt-keys';
import { TokenSource } from './token-source';

/** Asymmetric JWS algorithms the authorizer verifies; `none` and HMAC are never allowed. */
export const ASYMMETRIC_ALGORITHMS: readonly JwsAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

const DEFAULT_CLOCK_SKEW = Duration.seconds(60);
const MAX_CLOCK_SKEW = Duration.minutes(5);

/** Headers a forwarded claim must not overwrite, because API Gateway or the backend own them. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'host',
  'content-length',
  'content-type',
  'cookie',
  'connection',
  'transfer-encoding',
]);

/** An issuer URL with a `{tenant}` placeholder, for multi-tenant identity providers. */
export interface JwtIssuerPattern {
  /** Issuer URL with one `{tenant}` placeholder, such as `https://login.microsoftonline.com/{tenant}/v2.0`. */
  readonly template: string;
  /** Tenants whose tokens are accepted; a token from any other tenant is rejected. */
  readonly tenants: string[];
}

/** A claim copied from the validated token into a request header for the backend. */
export interface ForwardedClaim {
  /** Claim name; a dot separates nested names. */
  readonly claim: string;
  /** Integration request header that carries the claim's value. */
  readonly header: string;
}

/** Cache settings for the keys the authorizer fetches; inline keys ignore them. */
export interface KeyCacheOptions {
  /**
   * Timeout of one JWKS or discovery request.
   *
   * @default Duration.seconds(3)
   */
  readonly fetchTimeout?: Duration;
  /**
   * Shortest time between two refetches caused by a token with an unknown `kid`.
   *
   * @default Duration.seconds(5)
   */
  readonly refetchCooldown?: Duration;
  /**
   * How long fetched keys are used before they are fetched again.
   *
   * @default Duration.minutes(15)
   */
  readonly maxAge?: Duration;
  /**
   * How long the last good keys keep working while the key source fails.
   *
   * @default Duration.hours(1)
   */
  readonly maxStale?: Duration;
}

export interface JwtValidatorProps {
  /**
   * Exact issuer URLs (`iss`) whose tokens are accepted.
   *
   * @default - only `issuerPattern` is accepted; one of the two is required
   */
  readonly issuers?: string[];
  /**
   * A multi-tenant issuer pattern with its tenant allow-list.
   *
   * @default - only `issuers` are accepted; one of the two is required
   */
  readonly issuerPattern?: JwtIssuerPattern;
  /**
   * Accepted audiences; a token passes when its `aud` contains any of them.
   *
   * @default - none; set `allowAnyAudience: true` to skip the audience check explicitly
   */
  readonly audiences?: string[];
  /**
   * Accepts a token whatever its `aud`. Only for issuers whose tokens are all meant for you.
   *
   * @default false
   */
  readonly allowAnyAudience?: boolean;
  /** Source of the public keys that sign tokens. */
  readonly keys: JwtKeys;
  /**
   * JWS algorithms accepted in the token header. `none` and HMAC are rejected.
   *
   * @default - every asymmetric algorithm: RS256-512, PS256-512, ES256-512 and EdDSA
   */
  readonly algorithms?: JwsAlgorithm[];
  /**
   * Claims every token must carry, on top of those a policy adds.
   *
   * @default - no claim checks beyond issuer, audience and times
   */
  readonly requiredClaims?: RequiredClaim[];
  /**
   * Tolerance when comparing `exp`, `nbf` and `iat` with the clock, at most 5 minutes.
   *
   * @default Duration.seconds(60)
   */
  readonly clockSkew?: Duration;
  /**
   * Accepts tokens without an `exp` claim. Such tokens never expire, so avoid this.
   *
   * @default false - a token without `exp` is rejected
   */
  readonly allowMissingExpiry?: boolean;
  /**
   * Oldest `iat` accepted; a token without `iat` is then rejected.
   *
   * @default - no age limit; only `exp` and `nbf` are checked
   */
  readonly maxTokenAge?: Duration;
  /**
   * Request locations of the token, tried in order. With more than one source, decisions are
   * not cached by API Gateway, because its identity sources are all required.
   *
   * @default - the `Authorization` header with the `Bearer` scheme
   */
  readonly tokenSources?: TokenSource[];
  /**
   * Claims copied into request headers for the backend.
   *
   * @default - no claims are forwarded
   */
  readonly forwardClaims?: ForwardedClaim[];
  /**
   * Cache settings for fetched keys.
   *
   * @default - the defaults of each `KeyCacheOptions` field
   */
  readonly keyCache?: KeyCacheOptions;
  /**
   * Accept only RFC 8705 certificate-bound tokens: `cnf["x5t#S256"]` must equal the SHA-256
   * thumbprint of the client certificate presented over mutual TLS. Decisions are then not
   * cached by API Gateway, because the certificate cannot be part of the cache key.
   *
   * @default false - a token is accepted whatever connection it arrives on
   */
  readonly requireCertificateBinding?: boolean;
}

/**
 * Settings for validating JWTs, used by `AccessPolicy.jwt()`. It creates no resources: the
 * gateway's authorizer receives these settings in its config.
 *
 * @example
 * const validator = new JwtValidator(this, 'Sso', {
 *   issuers: ['https://login.example.com/'],
 *   audiences: ['api://orders'],
 *   keys: JwtKeys.fromDiscovery('https://login.example.com/.well-known/openid-configuration'),
 * });
 */
export class JwtValidator extends Construct implements IJwtValidator {
  private readonly config: JwtValidatorConfig;
  private readonly tokenSources: TokenSource[];
  private readonly forwardedClaims: ForwardedClaim[];

  constructor(scope: Construct, id: string, props: JwtValidatorProps) {
    super(scope, id);

    this.tokenSources = props.tokenSources ?? [TokenSource.header()];
    this.forwardedClaims = props.forwardClaims ?? [];
    this.config = {
      issuers: this.checkIssuers(props),
      audiences: this.checkAudiences(props),
      algorithms: this.checkAlgorithms(props.algorithms),
      keys: props.keys._bind(this),
      clockSkewSeconds: this.checkClockSkew(props.clockSkew),
      requireExpiry: props.allowMissingExpiry !== true,
      maxTokenAgeSeconds: this.checkMaxTokenAge(props.maxTokenAge),
      tokenSources: this.checkTokenSources(),
      claims: compileRequiredClaims(props.requiredClaims ?? [], this),
      forwardClaims: this.checkForwardedClaims(),
      keyCache: this.checkKeyCache(props.keyCache ?? {}),
      requireCertificateBinding: props.requireCertificateBinding === true,
    };
  }

  /** @internal */
  public _compile(): JwtValidatorConfig {
    return this.config;
  }

  /** @internal */
  public _identitySources(): string[] | undefined {
    // API Gateway requires every identity source to be present, so a token that may come
    // from one of several places cannot be a cache key.
    if (this.tokenSources.length !== 1) {
      return undefined;
    }
    // A certificate-bound token is valid only with its certificate, which is not a source.
    if (this.config.requireCertificateBinding) {
      return undefined;
    }
    return [this.tokenSources[0]._identitySource()];
  }

  /** @internal */
  public _forwardedHeaders(): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const forwarded of this.forwardedClaims) {
      headers[forwarded.header] = contextKeyFor(forwarded.claim);
    }
    return headers;
  }

  private checkIssuers(props: JwtValidatorProps): IssuerConfig[] {
    const issuers: IssuerConfig[] = (props.issuers ?? []).map((issuer, index) => {
      checkHttpsUrl(issuer, `issuers[${index}]`, this);
      return { kind: 'exact', issuer };
    });
    if (props.issuerPattern) {
      issuers.push(this.checkIssuerPattern(props.issuerPattern));
    }
    if (issuers.length === 0) {
      throw new GatehouseValidationError(
        'MissingIssuer',
        'issuers or issuerPattern must name at least one issuer, got neither',
        this,
      );
    }
    return issuers;
  }

  private checkIssuerPattern(pattern: JwtIssuerPattern): IssuerConfig {
    const placeholders = pattern.template.split('{tenant}').length - 1;
    if (!Token.isUnresolved(pattern.template) && placeholders !== 1) {
      throw new GatehouseValidationError(
        'InvalidIssuerPattern',
        `issuerPattern.template must contain exactly one {tenant} placeholder, got ${placeholders} in '${pattern.template}'`,
        this,
      );
    }
    checkHttpsUrl(pattern.template.replace('{tenant}', 'tenant'), 'issuerPattern.template', this);
    if (pattern.tenants.length === 0) {
      throw new GatehouseValidationError(
        'InvalidIssuerPattern',
        'issuerPattern.tenants must list at least one tenant, got none',
        this,
      );
    }
    for (const tenant of pattern.tenants) {
      if (!Token.isUnresolved(tenant) && !/^[A-Za-z0-9._-]+$/.test(tenant)) {
        throw new GatehouseValidationError(
          'InvalidIssuerPattern',
          `issuerPattern.tenants entries must be tenant ids of letters, digits, '.', '_' and '-', got '${tenant}'`,
          this,
        );
      }
    }
    return { kind: 'pattern', template: pattern.template, tenants: [...pattern.tenants] };
  }

  private checkAudiences(props: JwtValidatorProps): string[] | null {
    const audiences = props.audiences ?? [];
    if (props.allowAnyAudience === true && audiences.length > 0) {
      throw new GatehouseValidationError(
        'ConflictingAudience',
        `audiences and allowAnyAudience exclude each other, got both (${audiences.length} audiences)`,
        this,
      );
    }
    if (props.allowAnyAudience === true) {
      return null;
    }
    if (audiences.length === 0) {
      throw new GatehouseValidationError(
        'MissingAudience',
        'audiences must list at least one audience, or allowAnyAudience must be true, got neither',
        this,
      );
    }
    audiences.forEach((audience, index) => checkNotBlank(audience, `audiences[${index}]`, this));
    return [...audiences];
  }

  private checkAlgorithms(algorithms: JwsAlgorithm[] | undefined): JwsAlgorithm[] {
    if (algorithms === undefined) {
      return [...ASYMMETRIC_ALGORITHMS];
    }
    if (algorithms.length === 0) {
      throw new GatehouseValidationError(
        'InvalidAlgorithm',
        'algorithms must list at least one algorithm, got none',
        this,
      );
    }
    for (const algorithm of algorithms) {
      if (!ASYMMETRIC_ALGORITHMS.includes(algorithm)) {
        throw new GatehouseValidationError(
          'InvalidAlgorithm',
          `algorithms may contain only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}), got '${algorithm}'`,
          this,
        );
      }
    }
    return [...new Set(algorithms)];
  }

  private checkClockSkew(skew: Duration | undefined): number {
    const seconds = this.wholeSeconds(skew ?? DEFAULT_CLOCK_SKEW, 'clockSkew');
    if (!Token.isUnresolved(seconds) && seconds > MAX_CLOCK_SKEW.toSeconds()) {
      throw new GatehouseValidationError(
        'ClockSkewTooLarge',
        `clockSkew must be at most 5 minutes, got ${seconds} seconds`,
        this,
      );
    }
    return seconds;
  }

  private checkMaxTokenAge(age: Duration | undefined): number | undefined {
    if (age === undefined) {
      return undefined;
    }
    const seconds = this.wholeSeconds(age, 'maxTokenAge');
    if (!Token.isUnresolved(seconds) && seconds < 1) {
      throw new GatehouseValidationError(
        'InvalidMaxTokenAge',
        `maxTokenAge must be at least 1 second, got ${seconds} seconds`,
        this,
      );
    }
    return seconds;
  }

  private checkTokenSources() {
    if (this.tokenSources.length === 0) {
      throw new GatehouseValidationError(
        'InvalidTokenSource',
        'tokenSources must list at least one source, got none',
        this,
      );
    }
    return this.tokenSources.map((source, index) => source._bind(this, `tokenSources[${index}]`));
  }

  private checkForwardedClaims(): ForwardedClaimConfig[] {
    const headers = new Set<string>();
    return this.forwardedClaims.map((forwarded, index) => {
      const prop = `forwardClaims[${index}]`;
      checkNotBlank(forwarded.claim, `${prop}.claim`, this);
      checkTokenName(forwarded.header, `${prop}.header`, this);
      const header = forwarded.header.toLowerCase();
      if (RESERVED_HEADERS.has(header) || headers.has(header)) {
        throw new GatehouseValidationError(
          'InvalidForwardedClaim',
          `${prop}.header must be a header no other claim or the gateway sets, got '${forwarded.header}'`,
          this,
        );
      }
      headers.add(header);
      return { claim: forwarded.claim, contextKey: contextKeyFor(forwarded.claim) };
    });
  }

  private checkKeyCache(options: KeyCacheOptions): KeyCacheConfig {
    const fetchTimeout = options.fetchTimeout ?? Duration.seconds(3);
    const cooldown = options.refetchCooldown ?? Duration.seconds(5);
    const maxAge = options.maxAge ?? Duration.minutes(15);
    const maxStale = options.maxStale ?? Duration.hours(1);
    const config = {
      fetchTimeoutMs: fetchTimeout.toMilliseconds(),
      refetchCooldownSeconds: this.wholeSeconds(cooldown, 'keyCache.refetchCooldown'),
      maxAgeSeconds: this.wholeSeconds(maxAge, 'keyCache.maxAge'),
      maxStaleSeconds: this.wholeSeconds(maxStale, 'keyCache.maxStale'),
    };
    this.checkRange('keyCache.fetchTimeout', config.fetchTimeoutMs / 1000, 0.1, 10);
    this.checkRange('keyCache.refetchCooldown', config.refetchCooldownSeconds, 1, 3600);
    this.checkRange('keyCache.maxAge', config.maxAgeSeconds, 60, 86400);
    this.checkRange('keyCache.maxStale', config.maxStaleSeconds, 0, 86400);
    return config;
  }

  /** Returns the duration in seconds, rejecting fractions the config cannot carry. */
  private wholeSeconds(duration: Duration, prop: string): number {
    const seconds = duration.toSeconds({ integral: false });
    if (!Token.isUnresolved(seconds) && !Number.isInteger(seconds)) {
      throw new GatehouseValidationError(
        'InvalidDuration',
        `${prop} must be a whole number of seconds, got ${seconds} seconds`,
        this,
      );
    }
    return seconds;
  }

  private checkRange(prop: string, seconds: number, min: number, max: number): void {
    if (Token.isUnresolved(seconds) || (seconds >= min && seconds <= max)) {
      return;
    }
    throw new GatehouseValidationError(
      'InvalidKeyCache',
      `${prop} must be between ${min} and ${max} seconds, got ${seconds} seconds`,
      this,
    );
  }
}

/** Returns the authorizer context key for a forwarded claim, such as `claim_oid`. */
function contextKeyFor(claim: string): string {
  return `claim_${claim.replace(/[^A-Za-z0-9]/g, '_')}`;
}

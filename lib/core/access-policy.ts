import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import {
  AccessRequirement,
  ClaimCheckConfig,
  JwtValidatorConfig,
} from '../../lambda/policy/config';
import { GatehouseValidationError } from './errors';

/**
 * The view of a JWT validator that an access policy uses. `JwtValidator` implements it; the gateway
 * calls `_compile()` once per validator it uses.
 */
export interface IJwtValidator extends IConstruct {
  /** Returns the validator's settings in the authorizer's config format. */
  _compile(): JwtValidatorConfig;
  /** Returns the identity sources that carry this validator's token, or none when uncacheable. */
  _identitySources(): string[] | undefined;
  /** Returns the backend request headers this validator fills, mapped to authorizer context keys. */
  _forwardedHeaders(): Record<string, string>;
}

/** What an access policy needs from the gateway that compiles it. */
export interface PolicyCompileContext {
  /** The construct that owns the policy, for error messages. */
  readonly scope: IConstruct;
  /** Adds a validator to the authorizer config once and returns its id there. */
  registerJwtValidator(validator: IJwtValidator): string;
  /**
   * Adds `value` under `config[section][id]`, for sections such as `basicUserStores` that
   * policies other than JWT fill. Registering the same id twice keeps the first value.
   */
  registerConfigEntry(section: string, id: string, value: unknown): void;
  /**
   * Runs `grant` with the authorizer function once it exists, so a policy can let the
   * authorizer read what it needs (a secret, a table) and pass deploy-time names to it as
   * environment variables, which config.json cannot carry.
   */
  addAuthorizerGrant(grant: (authorizer: LambdaFunction) => void): void;
}

/**
 * The request inputs a decision reads. When every input is a required, cacheable identity
 * source, API Gateway may cache the decision under them; otherwise the authorizer runs on
 * every request.
 */
export interface PolicyInputs {
  /** API Gateway identity source expressions, such as `method.request.header.Authorization`. */
  readonly identitySources: readonly string[];
  /** False when a decision reads an input that is optional or not an identity source. */
  readonly cacheable: boolean;
}

/** Claim checks added at one scope, on top of the validator's own. */
export interface JwtPolicyOptions {
  /**
   * Claims the token must carry.
   *
   * @default - only the validator's own claim checks apply
   */
  readonly requiredClaims?: RequiredClaim[];
}

/** A claim the token must contain, with the values it must hold. */
export interface RequiredClaim {
  /** Claim name; a dot separates nested names, as in `realm_access.roles`. */
  readonly claim: string;
  /** Values to look for in the claim, which may be a string, an array or space-separated. */
  readonly values: string[];
  /**
   * Whether the claim must contain all of `values` or any one of them.
   *
   * @default 'all'
   */
  readonly match?: 'all' | 'any';
}

/**
 * Who may call an operation. Set it on the gateway, an API or an operation; the narrowest
 * scope that sets one wins, and an operation with no policy at any scope fails the synth.
 *
 * @example
 * const policy = AccessPolicy.jwt(validator, {
 *   requiredClaims: [{ claim: 'roles', values: ['Orders.Read'] }],
 * });
 */
export abstract class AccessPolicy {
  /** Lets anyone call the operation, with no credentials. */
  public static anonymous(): AccessPolicy {
    return new AnonymousPolicy();
  }

  /** Requires a token that the validator accepts, plus any claims listed here. */
  public static jwt(validator: IJwtValidator, options: JwtPolicyOptions = {}): AccessPolicy {
    return new JwtPolicy(validator, options);
  }

  /** Requires every one of the policies to pass. */
  public static allOf(...policies: AccessPolicy[]): AccessPolicy {
    return new CompositePolicy('allOf', policies);
  }

  /** Requires at least one of the policies to pass. */
  public static anyOf(...policies: AccessPolicy[]): AccessPolicy {
    return new CompositePolicy('anyOf', policies);
  }

  /** True only for `AccessPolicy.anonymous()`: the method then needs no authorizer. */
  public get isAnonymous(): boolean {
    return false;
  }

  /** Returns the requirement in the authorizer's config format. */
  public abstract _compile(context: PolicyCompileContext): AccessRequirement;

  /** Returns the request inputs a decision under this policy reads. */
  public abstract _inputs(): PolicyInputs;

  /**
   * Returns the backend request headers this policy fills from the authorizer context, as
   * header name to context key.
   */
  public _forwardedHeaders(): Record<string, string> {
    return {};
  }
}

class AnonymousPolicy extends AccessPolicy {
  public get isAnonymous(): boolean {
    return true;
  }

  public _compile(): AccessRequirement {
    return { kind: 'anonymous' };
  }

  public _inputs(): PolicyInputs {
    return { identitySources: [], cacheable: true };
  }
}

class JwtPolicy extends AccessPolicy {
  constructor(
    private readonly validator: IJwtValidator,
    private readonly options: JwtPolicyOptions,
  ) {
    super();
  }

  public _compile(context: PolicyCompileContext): AccessRequirement {
    const claims = compileRequiredClaims(this.options.requiredClaims ?? [], context.scope);
    return { kind: 'jwt', validator: context.registerJwtValidator(this.validator), claims };
  }

  public _inputs(): PolicyInputs {
    const sources = this.validator._identitySources();
    return sources ? { identitySources: sources, cacheable: true } : uncacheable();
  }

  public _forwardedHeaders(): Record<string, string> {
    return this.validator._forwardedHeaders();
  }
}

class CompositePolicy extends AccessPolicy {
  constructor(
    private readonly kind: 'allOf' | 'anyOf',
    private readonly policies: AccessPolicy[],
  ) {
    super();
  }

  public _compile(context: PolicyCompileContext): AccessRequirement {
    if (this.policies.length === 0) {
      throw new GatehouseValidationError(
        'EmptyPolicyList',
        `AccessPolicy.${this.kind}() needs at least one policy, got none`,
        context.scope,
      );
    }
    return { kind: this.kind, of: this.policies.map((policy) => policy._compile(context)) };
  }

  public _inputs(): PolicyInputs {
    const inputs = this.policies.map((policy) => policy._inputs());
    if (inputs.some((input) => !input.cacheable)) {
      return uncacheable();
    }
    if (this.kind === 'allOf') {
      return { identitySources: union(inputs), cacheable: true };
    }

    // Identity sources are all required, so alternatives can share a cache only when
    // every alternative reads the same inputs.
    const first = union(inputs.slice(0, 1));
    const sameInputs = inputs.every((input) => union([input]).join() === first.join());
    return sameInputs ? { identitySources: first, cacheable: true } : uncacheable();
  }

  public _forwardedHeaders(): Record<string, string> {
    return Object.assign({}, ...this.policies.map((policy) => policy._forwardedHeaders()));
  }
}

/** Checks required claims and returns them in the authorizer's config format. */
export function compileRequiredClaims(
  claims: readonly RequiredClaim[],
  scope: IConstruct,
): ClaimCheckConfig[] {
  return claims.map((claim) => compileClaim(claim, scope));
}

function compileClaim(claim: RequiredClaim, scope: IConstruct): ClaimCheckConfig {
  if (claim.claim.trim() === '') {
    throw new GatehouseValidationError(
      'InvalidRequiredClaim',
      'requiredClaims[].claim must be a claim name, got an empty string',
      scope,
    );
  }
  if (claim.values.length === 0) {
    throw new GatehouseValidationError(
      'InvalidRequiredClaim',
      `requiredClaims[].values for claim '${claim.claim}' must list at least one value, got none`,
      scope,
    );
  }
  return { claim: claim.claim, values: [...claim.values], match: claim.match ?? 'all' };
}

function union(inputs: PolicyInputs[]): string[] {
  return [...new Set(inputs.flatMap((input) => input.identitySources))].sort();
}

function uncacheable(): PolicyInputs {
  return { identitySources: [], cacheable: false };
}

import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AccessRequirement } from '../../lambda/policy/config';
import { Api } from '../api/api';
import { AccessPolicy, PolicyCompileContext, PolicyInputs } from '../core/access-policy';
import { GatehouseValidationError } from '../core/errors';
import type { Gateway } from '../gateway/gateway';
import type { SubscriptionRegistry } from './subscription-registry';

/** Header and query parameter names are HTTP tokens; anything else could never arrive. */
const NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

export interface SubscriptionKeyOptions {
  /**
   * Header that carries the key, matched case-insensitively.
   *
   * @default 'x-api-key'
   */
  readonly header?: string;
  /**
   * Query parameter read when the header is absent, matched case-sensitively. Keys in URLs
   * end up in browser histories and proxy logs, so name one only for clients that cannot
   * set headers.
   *
   * @default - the key is read from the header only
   */
  readonly queryParameter?: string;
  /**
   * Lets callers without a key through, while a presented key must still be valid. API
   * Gateway meters only methods that require a key, so calls here are neither metered nor
   * throttled by a usage plan, with or without a key.
   *
   * @default false: a request without a key is denied with SUBSCRIPTION_KEY_MISSING
   */
  readonly allowAnonymous?: boolean;
}

/**
 * Requires a subscription key of a registry: known, active, and covering the API. Create it
 * with `SubscriptionRegistry.keyPolicy()`. On an API that uses it, API Gateway takes API
 * keys from the authorizer (key source AUTHORIZER) and requires one on every method whose
 * policy always needs a key, so the product's usage plan meters and throttles the calls.
 */
export class SubscriptionKeyPolicy extends AccessPolicy {
  private readonly header: string;
  private readonly queryParameter?: string;
  private readonly optional: boolean;

  constructor(
    private readonly registry: SubscriptionRegistry,
    options: SubscriptionKeyOptions,
  ) {
    super();
    this.header = (options.header ?? 'x-api-key').toLowerCase();
    this.queryParameter = options.queryParameter;
    this.optional = options.allowAnonymous ?? false;
    checkName('header', this.header, registry);
    if (this.queryParameter !== undefined) {
      checkName('queryParameter', this.queryParameter, registry);
    }
  }

  public _compile(context: PolicyCompileContext): AccessRequirement {
    context.registerConfigEntry(
      'subscriptionRegistries',
      this.registry.registryId,
      this.registry._authorizerConfig(),
    );
    const api = context.scope instanceof Api ? context.scope : undefined;
    if (api && this.registry._markKeyedApi(api)) {
      context.addAuthorizerGrant((authorizer) => this.bind(authorizer, api));
    }
    return {
      kind: 'subscriptionKey',
      registry: this.registry.registryId,
      header: this.header,
      queryParameter: this.queryParameter,
      optional: this.optional,
    };
  }

  public _inputs(): PolicyInputs {
    // API Gateway caches only under identity sources that every request carries, so a key
    // that may come from either place, or may be absent, is checked on every request.
    const headerOnly = this.queryParameter === undefined && !this.optional;
    return headerOnly
      ? { identitySources: [`method.request.header.${this.header}`], cacheable: true }
      : { identitySources: [], cacheable: false };
  }

  /** Runs once the gateway's config is compiled and its authorizer exists. */
  private bind(authorizer: lambda.IFunction, api: Api): void {
    this.registry._bindAuthorizer(authorizer);
    const restApi = api.restApi.node.defaultChild as apigw.CfnRestApi;
    restApi.apiKeySourceType = 'AUTHORIZER';

    const compiled = (api.node.scope as Gateway).authorizerConfig?.apis[api.configKey];
    api.operationRecords.forEach((operation, index) => {
      const access = compiled?.operations[index]?.access;
      if (access && alwaysNeedsKey(access)) {
        (operation.resource.node.defaultChild as apigw.CfnMethod).apiKeyRequired = true;
      }
    });
  }
}

/** Returns whether every request that passes `access` carries a subscription key. */
export function alwaysNeedsKey(access: AccessRequirement): boolean {
  switch (access.kind) {
    case 'subscriptionKey':
      return !access.optional;
    case 'allOf':
      return access.of.some(alwaysNeedsKey);
    case 'anyOf':
      return access.of.length > 0 && access.of.every(alwaysNeedsKey);
    default:
      return false;
  }
}

function checkName(prop: string, name: string, registry: SubscriptionRegistry): void {
  if (!NAME.test(name)) {
    throw new GatehouseValidationError(
      'InvalidKeySourceName',
      `${prop} must be 1 to 64 HTTP token characters (letters, digits and !#$%&'*+.^_\`|~-), got '${name}'`,
      registry,
    );
  }
}

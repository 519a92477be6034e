import { SubscriptionKeyRequirement, SubscriptionRegistryConfig } from '../config';
import { EvaluationContext, Grant, RequirementEvaluator } from '../evaluator';
import { AccessDenied } from '../failure';
import { AuthRequest } from '../request';
import { hashKey, isPlausibleKey } from '../../subscriptions/keys';
import { Subscription, effectiveState, formatScope, scopeCovers } from '../../subscriptions/model';
import { SubscriptionLookup } from './lookup';

/** Authorizer context keys a subscription key sets, for the backend and the access log. */
export const SUBSCRIPTION_CONTEXT_KEYS = {
  subscriptionId: 'subscriptionId',
  owner: 'subscriptionOwner',
  productId: 'productId',
} as const;

/** Creates the `subscriptionKey` evaluator over a registry lookup. */
export function createSubscriptionKeyEvaluator(
  lookup: SubscriptionLookup,
): RequirementEvaluator<'subscriptionKey'> {
  return async (requirement, context) => {
    const key = readKey(requirement, context.request);
    if (key === undefined) {
      return missingKey(requirement);
    }
    if (!isPlausibleKey(key)) {
      throw new AccessDenied('SUBSCRIPTION_KEY_INVALID', 401, 'subscription key is malformed');
    }

    const registry = registryConfig(requirement, context);
    const tableName = process.env[registry.tableNameVariable];
    if (!tableName) {
      throw new Error(
        `environment variable ${registry.tableNameVariable} of registry ${requirement.registry} is missing`,
      );
    }
    const hash = hashKey(key);
    const subscription = await context.memo(`subscriptionKey:${tableName}:${hash}`, () =>
      lookup.find(tableName, hash, registry.lookupCacheSeconds, context.request.now * 1000),
    );
    if (!subscription) {
      throw new AccessDenied(
        'SUBSCRIPTION_KEY_INVALID',
        401,
        'subscription key not found in the registry',
      );
    }

    checkSubscription(subscription, registry, context);
    return grantFor(subscription, key);
  };
}

/** Returns the key from the header, or from the query parameter only when the header is absent. */
export function readKey(
  requirement: SubscriptionKeyRequirement,
  request: AuthRequest,
): string | undefined {
  const fromHeader = request.headers.get(requirement.header.toLowerCase());
  if (fromHeader !== undefined && fromHeader.length > 0) {
    return single(fromHeader, `header ${requirement.header}`);
  }
  const fromQuery = requirement.queryParameter
    ? request.query.get(requirement.queryParameter)
    : undefined;
  if (fromQuery !== undefined && fromQuery.length > 0) {
    return single(fromQuery, `query parameter ${requirement.queryParameter}`);
  }
  return undefined;
}

function single(values: readonly string[], where: string): string {
  if (values.length > 1) {
    throw new AccessDenied(
      'SUBSCRIPTION_KEY_INVALID',
      401,
      `subscription key given ${values.length} times in ${where}`,
    );
  }
  return values[0].trim();
}

function missingKey(requirement: SubscriptionKeyRequirement): Grant {
  if (requirement.optional) {
    return { context: {} };
  }
  const where = requirement.queryParameter
    ? `header ${requirement.header} or query parameter ${requirement.queryParameter}`
    : `header ${requirement.header}`;
  throw new AccessDenied('SUBSCRIPTION_KEY_MISSING', 401, `subscription key missing from ${where}`);
}

function registryConfig(
  requirement: SubscriptionKeyRequirement,
  context: EvaluationContext,
): SubscriptionRegistryConfig {
  const registry = context.config.subscriptionRegistries?.[requirement.registry];
  if (!registry) {
    throw new Error(`subscription registry ${requirement.registry} is not in the config`);
  }
  return registry;
}

function checkSubscription(
  subscription: Subscription,
  registry: SubscriptionRegistryConfig,
  context: EvaluationContext,
): void {
  const state = effectiveState(subscription, new Date(context.request.now * 1000));
  if (state !== 'active') {
    throw new AccessDenied(
      'SUBSCRIPTION_NOT_ACTIVE',
      403,
      `subscription ${subscription.id} is ${state}, only active passes`,
    );
  }

  const api = context.request.api;
  const productApis = registry.products[subscription.productId];
  if (!scopeCovers(subscription.scope, api, productApis)) {
    throw new AccessDenied(
      'SUBSCRIPTION_SCOPE_MISMATCH',
      403,
      `subscription ${subscription.id} of product ${subscription.productId} with scope ${formatScope(subscription.scope)} does not cover API ${api}`,
    );
  }
}

function grantFor(subscription: Subscription, key: string): Grant {
  return {
    principalId: subscription.owner,
    context: {
      [SUBSCRIPTION_CONTEXT_KEYS.subscriptionId]: subscription.id,
      [SUBSCRIPTION_CONTEXT_KEYS.owner]: subscription.owner,
      [SUBSCRIPTION_CONTEXT_KEYS.productId]: subscription.productId,
    },
    usageIdentifierKey: key,
  };
}

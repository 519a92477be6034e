/**
 * The subscription registry's data model, shared by the management function, the CLI and the
 * authorizer. It imports no AWS SDK, so its rules are tested directly.
 */

/** Environment variable that carries the registry's DynamoDB table name. */
export const SUBSCRIPTION_TABLE_ENV = 'GATEHOUSE_SUBSCRIPTION_TABLE';

export type SubscriptionState =
  'submitted' | 'active' | 'suspended' | 'cancelled' | 'expired' | 'rejected';

export const SUBSCRIPTION_STATES: readonly SubscriptionState[] = [
  'submitted',
  'active',
  'suspended',
  'cancelled',
  'expired',
  'rejected',
];

/**
 * Reach of a subscription's keys: every API of its product, one API of that product,
 * or every API of the gateway. The product's usage plan meters the keys in each case.
 */
export type SubscriptionScope =
  | { readonly kind: 'product' }
  | { readonly kind: 'api'; readonly api: string }
  | { readonly kind: 'all' };

export type KeySlot = 'primary' | 'secondary';

export const KEY_SLOTS: readonly KeySlot[] = ['primary', 'secondary'];

/** One of the two keys of a subscription, and how far API Gateway has caught up with it. */
export interface SubscriptionKey {
  /** SHA-256 of the key value, hex encoded. The value itself is never stored. */
  readonly hash: string;
  /** Counts regenerations of this slot, starting at 1. */
  readonly generation: number;
  readonly createdAt: string;
  /** Id of the API Gateway API key that carries this value, once it exists. */
  readonly apiKeyId?: string;
  /** Whether the API key is attached to the product's usage plan. */
  readonly planAttached: boolean;
  /** Whether the API key is enabled in API Gateway, as last written. */
  readonly apiKeyEnabled: boolean;
}

export interface Subscription {
  readonly id: string;
  /** Owner of the subscription: an account, team or application id. */
  readonly owner: string;
  readonly productId: string;
  readonly scope: SubscriptionScope;
  readonly state: SubscriptionState;
  readonly displayName?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** After this time the subscription counts as `expired`; absent means it never expires. */
  readonly expiresAt?: string;
  /** Version of the product's terms of use that the owner accepted. */
  readonly termsAccepted?: string;
  readonly keys: Readonly<Record<KeySlot, SubscriptionKey>>;
  /** API Gateway API keys left over from regenerated keys, still to be deleted. */
  readonly staleApiKeyIds: readonly string[];
  /** Incremented by every write; writes are conditional on it, so concurrent changes fail. */
  readonly version: number;
}

/** The transitions an operator or owner may request, and the states each one leaves from. */
export const TRANSITIONS = {
  approve: { from: ['submitted'], to: 'active' },
  reject: { from: ['submitted'], to: 'rejected' },
  suspend: { from: ['active'], to: 'suspended' },
  resume: { from: ['suspended'], to: 'active' },
  cancel: { from: ['submitted', 'active', 'suspended'], to: 'cancelled' },
} as const satisfies Record<string, { from: readonly SubscriptionState[]; to: SubscriptionState }>;

export type Transition = keyof typeof TRANSITIONS;

/** States after which a subscription has no API keys and never changes again. */
export function isFinal(state: SubscriptionState): boolean {
  return state === 'cancelled' || state === 'rejected' || state === 'expired';
}

/** Returns the state the authorizer acts on: an active subscription past `expiresAt` is expired. */
export function effectiveState(subscription: Subscription, now: Date): SubscriptionState {
  const expired =
    subscription.expiresAt !== undefined && Date.parse(subscription.expiresAt) <= now.getTime();
  return subscription.state === 'active' && expired ? 'expired' : subscription.state;
}

/**
 * Returns whether a subscription's scope covers an API. `productApis` lists the APIs of the
 * subscription's product; an unknown product covers nothing.
 */
export function scopeCovers(
  scope: SubscriptionScope,
  api: string,
  productApis: readonly string[] | undefined,
): boolean {
  switch (scope.kind) {
    // NOTE: an API added after the subscription was created is covered here, but API Gateway
    // refuses the key there until the product's usage plan also spans that API's stage.
    case 'all':
      return true;
    case 'api':
      return scope.api === api;
    case 'product':
      return productApis?.includes(api) ?? false;
  }
}

/** Formats a scope for logs and the CLI: `product`, `api:<id>` or `all`. */
export function formatScope(scope: SubscriptionScope): string {
  return scope.kind === 'api' ? `api:${scope.api}` : scope.kind;
}

/** Parses `product`, `all` or `api:<id>`, or returns undefined for anything else. */
export function parseScope(text: string): SubscriptionScope | undefined {
  if (text === 'product' || text === 'all') {
    return { kind: text };
  }
  const match = /^api:(.+)$/.exec(text);
  return match ? { kind: 'api', api: match[1] } : undefined;
}

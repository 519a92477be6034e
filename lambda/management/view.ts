import { KeySlot, Subscription, effectiveState, formatScope } from '../subscriptions/model';

/** A subscription as callers see it: no key hashes, and API Gateway progress per key. */
export interface SubscriptionView {
  readonly id: string;
  readonly owner: string;
  readonly productId: string;
  readonly scope: string;
  readonly state: string;
  readonly displayName?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly expiresAt?: string;
  readonly termsAccepted?: string;
  readonly keys: Record<
    KeySlot,
    { generation: number; createdAt: string; apiKeyId?: string; inUsagePlan: boolean }
  >;
  /** False while an API Gateway step is still to be done; `resync` finishes it. */
  readonly inSync: boolean;
}

/** Returns the caller's view of a subscription. */
export function viewOf(subscription: Subscription, now: Date): SubscriptionView {
  const key = (slot: KeySlot) => {
    const { generation, createdAt, apiKeyId, planAttached } = subscription.keys[slot];
    return { generation, createdAt, apiKeyId, inUsagePlan: planAttached };
  };
  return {
    id: subscription.id,
    owner: subscription.owner,
    productId: subscription.productId,
    scope: formatScope(subscription.scope),
    state: effectiveState(subscription, now),
    displayName: subscription.displayName,
    createdAt: subscription.createdAt,
    updatedAt: subscription.updatedAt,
    expiresAt: subscription.expiresAt,
    termsAccepted: subscription.termsAccepted,
    keys: { primary: key('primary'), secondary: key('secondary') },
    inSync: isInSync(subscription),
  };
}

function isInSync(subscription: Subscription): boolean {
  const final = ['cancelled', 'rejected', 'expired'].includes(subscription.state);
  const enabled = subscription.state === 'active';
  const keysDone = Object.values(subscription.keys).every((key) =>
    final
      ? key.apiKeyId === undefined
      : key.apiKeyId !== undefined && key.planAttached && key.apiKeyEnabled === enabled,
  );
  return keysDone && subscription.staleApiKeyIds.length === 0;
}

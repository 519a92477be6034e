import { ApiKeyGateway } from './api-gateway';
import { generateKey, hashKey } from './keys';
import { KEY_SLOTS, KeySlot, Subscription, SubscriptionKey, isFinal } from './model';
import { SubscriptionStore } from './store';

/** Key values in hand: new ones to show the caller once, and to give API Gateway. */
export type KeyValues = Partial<Record<KeySlot, string>>;

export interface Reconciled {
  readonly subscription: Subscription;
  /** Values created during this call, which the caller shows once and does not store. */
  readonly values: KeyValues;
}

/**
 * Returns the API key name of a slot. Before creating a slot's key, every key of that name is
 * deleted, which clears both a key whose create reply was lost and one left by a regenerate.
 */
export function apiKeyName(subscriptionId: string, slot: KeySlot): string {
  return `gatehouse.${subscriptionId}.${slot}`;
}

/**
 * Replaces one slot's key with a new value: the new key pointer first (inert until the
 * subscription lists it), then the subscription, then the old pointer. The old API key is
 * queued for deletion. Returns the stored subscription and the new value.
 */
export async function rotateSlot(
  store: SubscriptionStore,
  subscription: Subscription,
  slot: KeySlot,
  now: Date,
): Promise<{ subscription: Subscription; value: string }> {
  const value = generateKey();
  const old = subscription.keys[slot];
  const fresh: SubscriptionKey = {
    hash: hashKey(value),
    generation: old.generation + 1,
    createdAt: now.toISOString(),
    planAttached: false,
    apiKeyEnabled: false,
  };
  const stale = old.apiKeyId
    ? [...subscription.staleApiKeyIds, old.apiKeyId]
    : subscription.staleApiKeyIds;

  await store.putKeyPointer(fresh.hash, subscription.id);
  const stored = await store.replace(subscription, {
    ...subscription,
    keys: { ...subscription.keys, [slot]: fresh },
    staleApiKeyIds: stale,
    updatedAt: now.toISOString(),
  });
  await store.deleteKeyPointer(old.hash);
  return { subscription: stored, value };
}

/**
 * Brings API Gateway in line with the registry, one recorded step at a time, so a call that
 * fails halfway is finished by the next one. A slot whose API key was never created and
 * whose value is not in hand gets a new value, because the old one was never shown to anyone.
 */
export class ApiKeyReconciler {
  constructor(
    private readonly store: SubscriptionStore,
    private readonly gateway: ApiKeyGateway,
    private readonly now: () => Date,
  ) {}

  async reconcile(
    subscription: Subscription,
    values: KeyValues,
    usagePlanId: string,
  ): Promise<Reconciled> {
    let current = await this.deleteStaleKeys(subscription);
    if (isFinal(current.state)) {
      return { subscription: await this.deleteAllKeys(current), values };
    }

    const issued: KeyValues = { ...values };
    for (const slot of KEY_SLOTS) {
      current = await this.ensureCreated(current, slot, issued);
      current = await this.ensureAttached(current, slot, usagePlanId);
      current = await this.ensureEnabledMatches(current, slot);
    }
    return { subscription: current, values: issued };
  }

  private async deleteStaleKeys(subscription: Subscription): Promise<Subscription> {
    let current = subscription;
    for (const apiKeyId of subscription.staleApiKeyIds) {
      await this.gateway.deleteKey(apiKeyId);
      const remaining = current.staleApiKeyIds.filter((id) => id !== apiKeyId);
      current = await this.write(current, { staleApiKeyIds: remaining });
    }
    return current;
  }

  private async deleteAllKeys(subscription: Subscription): Promise<Subscription> {
    let current = subscription;
    for (const slot of KEY_SLOTS) {
      const apiKeyId = current.keys[slot].apiKeyId;
      if (apiKeyId) {
        await this.gateway.deleteKey(apiKeyId);
        current = await this.writeKey(current, slot, {
          apiKeyId: undefined,
          planAttached: false,
          apiKeyEnabled: false,
        });
      }
    }
    return current;
  }

  private async ensureCreated(
    subscription: Subscription,
    slot: KeySlot,
    issued: KeyValues,
  ): Promise<Subscription> {
    let current = subscription;
    if (current.keys[slot].apiKeyId) {
      return current;
    }

    // A create whose reply was lost, or a regenerate, may have left a key under this name.
    // It is deleted rather than reused, because its value is not in hand.
    const name = apiKeyName(current.id, slot);
    await this.gateway.deleteKeysNamed(name);
    if (!issued[slot]) {
      const rotated = await rotateSlot(this.store, current, slot, this.now());
      current = rotated.subscription;
      issued[slot] = rotated.value;
    }

    const enabled = current.state === 'active';
    const apiKeyId = await this.gateway.createKey(name, issued[slot] as string, enabled);
    return this.writeKey(current, slot, { apiKeyId, apiKeyEnabled: enabled, planAttached: false });
  }

  private async ensureAttached(
    subscription: Subscription,
    slot: KeySlot,
    usagePlanId: string,
  ): Promise<Subscription> {
    const key = subscription.keys[slot];
    if (key.planAttached || !key.apiKeyId) {
      return subscription;
    }
    await this.gateway.attachToPlan(usagePlanId, key.apiKeyId);
    return this.writeKey(subscription, slot, { planAttached: true });
  }

  private async ensureEnabledMatches(
    subscription: Subscription,
    slot: KeySlot,
  ): Promise<Subscription> {
    const key = subscription.keys[slot];
    const enabled = subscription.state === 'active';
    if (key.apiKeyEnabled === enabled || !key.apiKeyId) {
      return subscription;
    }
    await this.gateway.setEnabled(key.apiKeyId, enabled);
    return this.writeKey(subscription, slot, { apiKeyEnabled: enabled });
  }

  private writeKey(
    subscription: Subscription,
    slot: KeySlot,
    change: Partial<SubscriptionKey>,
  ): Promise<Subscription> {
    const key = { ...subscription.keys[slot], ...change };
    return this.write(subscription, { keys: { ...subscription.keys, [slot]: key } });
  }

  private write(subscription: Subscription, change: Partial<Subscription>): Promise<Subscription> {
    return this.store.replace(subscription, {
      ...subscription,
      ...change,
      updatedAt: this.now().toISOString(),
    });
  }
}

import { Subscription } from './model';

/**
 * Item layout of the registry table. The partition key `pk` separates two kinds of item:
 * `sub#<id>` is a subscription, stored whole as JSON in `doc` with `owner`, `productId` and
 * `state` copied out for the owner index and list filters; `key#<sha256>` points a key hash
 * at its subscription. The subscription item is the source of truth: a key item only counts
 * while its subscription still lists that hash.
 */
export type Item = Record<string, { S: string } | { N: string }>;

export const OWNER_INDEX = 'owner';

export function subscriptionPk(id: string): string {
  return `sub#${id}`;
}

export function keyPk(hash: string): string {
  return `key#${hash}`;
}

export function encodeSubscription(subscription: Subscription): Item {
  return {
    pk: { S: subscriptionPk(subscription.id) },
    owner: { S: subscription.owner },
    productId: { S: subscription.productId },
    state: { S: subscription.state },
    version: { N: String(subscription.version) },
    doc: { S: JSON.stringify(subscription) },
  };
}

/** Reads a subscription item; throws when the item is not one, so a bad row fails closed. */
export function decodeSubscription(item: Record<string, unknown>): Subscription {
  const doc = item.doc as { S?: string } | undefined;
  if (typeof doc?.S !== 'string') {
    throw new Error('registry item has no subscription document');
  }
  return JSON.parse(doc.S) as Subscription;
}

export function encodeKeyPointer(hash: string, subscriptionId: string): Item {
  return { pk: { S: keyPk(hash) }, subscriptionId: { S: subscriptionId } };
}

export function decodeKeyPointer(item: Record<string, unknown>): string {
  const id = item.subscriptionId as { S?: string } | undefined;
  if (typeof id?.S !== 'string') {
    throw new Error('registry key item has no subscription id');
  }
  return id.S;
}

import { randomUUID } from 'node:crypto';
import { ApiKeyGateway } from './api-gateway';
import { CatalogProduct, ProductCatalog } from './catalog';
import { ManagementError } from './errors';
import { generateKey, hashKey } from './keys';
import {
  KEY_SLOTS,
  KeySlot,
  Subscription,
  SubscriptionKey,
  SubscriptionScope,
  TRANSITIONS,
  Transition,
  isFinal,
} from './model';
import { ApiKeyReconciler, KeyValues, rotateSlot } from './reconcile';
import { ListFilter, SubscriptionStore } from './store';

export interface CreateRequest {
  readonly owner: string;
  readonly productId: string;
  /** @default - the whole product */
  readonly scope?: SubscriptionScope;
  /** Id to create under; a retry with the same id resumes the same subscription. */
  readonly subscriptionId?: string;
  readonly displayName?: string;
  /** Version of the product's terms of use the owner accepted. */
  readonly acceptTerms?: string;
  readonly expiresAt?: string;
}

/** A subscription plus the key values created by this call, shown to the caller only once. */
export interface ManagementResult {
  readonly subscription: Subscription;
  readonly keys: KeyValues;
}

export interface ManagerOptions {
  readonly store: SubscriptionStore;
  readonly catalog: ProductCatalog;
  /** API Gateway stand-in or client; leave it out to keep API Gateway out of every step. */
  readonly apiGateway?: ApiKeyGateway;
  readonly now?: () => Date;
}

/**
 * The subscription lifecycle. Each call writes the registry first and then brings API
 * Gateway in line, recording every step, so repeating a call that failed halfway converges.
 */
export class SubscriptionManager {
  private readonly store: SubscriptionStore;
  private readonly catalog: ProductCatalog;
  private readonly reconciler?: ApiKeyReconciler;
  private readonly now: () => Date;

  constructor(options: ManagerOptions) {
    this.store = options.store;
    this.catalog = options.catalog;
    this.now = options.now ?? (() => new Date());
    if (options.apiGateway) {
      this.reconciler = new ApiKeyReconciler(this.store, options.apiGateway, this.now);
    }
  }

  /** Creates a subscription, or resumes one whose earlier create failed, with two new keys. */
  async create(request: CreateRequest): Promise<ManagementResult> {
    const product = this.productFor(request.productId);
    const scope = request.scope ?? { kind: 'product' };
    this.checkScope(request.productId, product, scope);
    const existing = request.subscriptionId
      ? await this.store.get(request.subscriptionId)
      : undefined;
    if (existing) {
      return this.resumeCreate(existing, request);
    }
    await this.checkCreateAllowed(request, product);

    const values: KeyValues = { primary: generateKey(), secondary: generateKey() };
    const subscription = this.newSubscription(request, scope, product, values);
    for (const slot of KEY_SLOTS) {
      await this.store.putKeyPointer(subscription.keys[slot].hash, subscription.id);
    }
    await this.store.insert(subscription);
    return this.sync(subscription, values);
  }

  /** Moves a subscription to another state; repeating a transition that already happened only syncs. */
  async transition(id: string, transition: Transition): Promise<ManagementResult> {
    const subscription = await this.mustGet(id);
    const rule = TRANSITIONS[transition];
    if (subscription.state === rule.to) {
      return this.sync(subscription, {});
    }
    if (!(rule.from as readonly string[]).includes(subscription.state)) {
      throw new ManagementError(
        'TRANSITION_NOT_ALLOWED',
        `cannot ${transition} subscription ${id} in state ${subscription.state}; allowed from ${rule.from.join(', ')}`,
      );
    }
    const stored = await this.store.replace(subscription, {
      ...subscription,
      state: rule.to,
      updatedAt: this.now().toISOString(),
    });
    return this.sync(stored, {});
  }

  /** Replaces one key with a new value; the other key keeps working throughout. */
  async regenerate(id: string, slot: KeySlot): Promise<ManagementResult> {
    const subscription = await this.mustGet(id);
    if (isFinal(subscription.state)) {
      throw new ManagementError(
        'TRANSITION_NOT_ALLOWED',
        `cannot regenerate a key of subscription ${id} in state ${subscription.state}`,
      );
    }
    const rotated = await rotateSlot(this.store, subscription, slot, this.now());
    return this.sync(rotated.subscription, { [slot]: rotated.value });
  }

  /** Finishes any API Gateway step left over from an earlier failure. */
  async resync(id: string): Promise<ManagementResult> {
    return this.sync(await this.mustGet(id), {});
  }

  async show(id: string): Promise<Subscription> {
    return this.mustGet(id);
  }

  async list(filter: ListFilter = {}): Promise<Subscription[]> {
    return this.store.list(filter);
  }

  private async resumeCreate(
    existing: Subscription,
    request: CreateRequest,
  ): Promise<ManagementResult> {
    const sameRequest =
      existing.owner === request.owner && existing.productId === request.productId;
    if (!sameRequest) {
      throw new ManagementError(
        'CONFLICT',
        `subscription ${existing.id} exists with another owner or product`,
      );
    }

    // The earlier create's reply never reached the caller, so its key values are unknown
    // to anyone: both keys are replaced and shown now.
    let current = existing;
    const values: KeyValues = {};
    for (const slot of KEY_SLOTS) {
      const rotated = await rotateSlot(this.store, current, slot, this.now());
      current = rotated.subscription;
      values[slot] = rotated.value;
    }
    return this.sync(current, values);
  }

  private async sync(subscription: Subscription, values: KeyValues): Promise<ManagementResult> {
    const usagePlanId = this.catalog.products[subscription.productId]?.usagePlanId;
    if (!this.reconciler || !usagePlanId) {
      return { subscription, keys: values };
    }
    const reconciled = await this.reconciler.reconcile(subscription, values, usagePlanId);
    return { subscription: reconciled.subscription, keys: reconciled.values };
  }

  private productFor(productId: string): CatalogProduct {
    const product = this.catalog.products[productId];
    if (!product) {
      const known = Object.keys(this.catalog.products).join(', ') || 'none';
      throw new ManagementError(
        'PRODUCT_NOT_FOUND',
        `product ${productId} not found; known products: ${known}`,
      );
    }
    return product;
  }

  private checkScope(productId: string, product: CatalogProduct, scope: SubscriptionScope): void {
    if (scope.kind === 'api' && !product.apis.includes(scope.api)) {
      throw new ManagementError(
        'SCOPE_NOT_ALLOWED',
        `API ${scope.api} is not part of product ${productId}; it covers ${product.apis.join(', ')}`,
      );
    }
    const coversAll = this.catalog.apis.every((api) => product.apis.includes(api));
    if (scope.kind === 'all' && !coversAll) {
      throw new ManagementError(
        'SCOPE_NOT_ALLOWED',
        `scope all needs a product that covers every API, and ${productId} covers only ${product.apis.join(', ')}`,
      );
    }
  }

  private async checkCreateAllowed(request: CreateRequest, product: CatalogProduct): Promise<void> {
    if (!product.subscriptionRequired) {
      throw new ManagementError(
        'SUBSCRIPTION_NOT_REQUIRED',
        `product ${request.productId} is open without a subscription, so it takes none`,
      );
    }
    if (!product.published) {
      throw new ManagementError(
        'PRODUCT_NOT_PUBLISHED',
        `product ${request.productId} is not published and takes no new subscriptions`,
      );
    }
    const termsMissing =
      product.termsOfUseVersion !== undefined && request.acceptTerms !== product.termsOfUseVersion;
    if (termsMissing) {
      throw new ManagementError(
        'TERMS_NOT_ACCEPTED',
        `product ${request.productId} requires accepting terms of use version ${product.termsOfUseVersion}, got ${request.acceptTerms ?? 'none'}`,
      );
    }
    await this.checkOwnerLimit(request, product.maxSubscriptionsPerOwner);
  }

  // NOTE: two creates racing for the last free place can both pass this count; a counter
  // item updated with a condition would close that gap.
  private async checkOwnerLimit(request: CreateRequest, limit: number | undefined): Promise<void> {
    if (limit === undefined) {
      return;
    }
    const current = (await this.store.listByOwner(request.owner)).filter(
      (item) => item.productId === request.productId && !isFinal(item.state),
    );
    if (current.length >= limit) {
      throw new ManagementError(
        'SUBSCRIPTION_LIMIT_REACHED',
        `owner ${request.owner} already has ${current.length} subscriptions to product ${request.productId}, the maximum is ${limit}`,
      );
    }
  }

  private newSubscription(
    request: CreateRequest,
    scope: SubscriptionScope,
    product: CatalogProduct,
    values: KeyValues,
  ): Subscription {
    const now = this.now().toISOString();
    const key = (slot: KeySlot): SubscriptionKey => ({
      hash: hashKey(values[slot] as string),
      generation: 1,
      createdAt: now,
      planAttached: false,
      apiKeyEnabled: false,
    });
    return {
      id: request.subscriptionId ?? randomUUID(),
      owner: request.owner,
      productId: request.productId,
      scope,
      state: product.approvalRequired ? 'submitted' : 'active',
      displayName: request.displayName,
      createdAt: now,
      updatedAt: now,
      expiresAt: request.expiresAt,
      termsAccepted: request.acceptTerms,
      keys: { primary: key('primary'), secondary: key('secondary') },
      staleApiKeyIds: [],
      version: 1,
    };
  }

  private async mustGet(id: string): Promise<Subscription> {
    const subscription = await this.store.get(id);
    if (!subscription) {
      throw new ManagementError('NOT_FOUND', `subscription ${id} not found`);
    }
    return subscription;
  }
}

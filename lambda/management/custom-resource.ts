import { SubscriptionManager } from '../subscriptions/manager';
import { KEY_SLOTS, parseScope } from '../subscriptions/model';
import { ManagementError } from '../subscriptions/errors';

/** Writes a declared subscription's key values to its secret. */
export type SecretWriter = (secretArn: string, value: string) => Promise<void>;

/** The CloudFormation custom resource event for a subscription declared in code. */
export interface SubscriptionResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: {
    readonly SubscriptionId: string;
    readonly Owner: string;
    readonly ProductId: string;
    readonly Scope: string;
    readonly SecretArn: string;
    readonly AcceptTerms?: string;
    /** 'true' approves a subscription that the product would leave in `submitted`. */
    readonly Approve?: string;
  };
}

/** Returns whether a payload is a CloudFormation custom resource event. */
export function isCustomResourceEvent(payload: unknown): payload is SubscriptionResourceEvent {
  const event = payload as Partial<SubscriptionResourceEvent> | null;
  return typeof event?.RequestType === 'string' && typeof event.ResponseURL === 'string';
}

/**
 * Creates, keeps or cancels a declared subscription. Its keys go to the secret and never to
 * the template or the response. An update only resyncs: the owner, product and scope of a
 * declared subscription are fixed by its id, so changing them means declaring a new one.
 */
export async function handleResourceEvent(
  manager: SubscriptionManager,
  writeSecret: SecretWriter,
  event: SubscriptionResourceEvent,
): Promise<void> {
  const props = event.ResourceProperties;
  const scope = parseScope(props.Scope);
  if (!scope) {
    throw new ManagementError(
      'INVALID_REQUEST',
      `Scope must be product, all or api:<api id>, got ${props.Scope}`,
    );
  }

  if (event.RequestType === 'Create') {
    const created = await manager.create({
      subscriptionId: props.SubscriptionId,
      owner: props.Owner,
      productId: props.ProductId,
      scope,
      acceptTerms: props.AcceptTerms,
      displayName: event.LogicalResourceId,
    });
    if (props.Approve === 'true' && created.subscription.state === 'submitted') {
      await manager.transition(props.SubscriptionId, 'approve');
    }
    await writeSecret(props.SecretArn, JSON.stringify(created.keys));
    return;
  }

  const known = await manager.show(props.SubscriptionId).then(
    () => true,
    (error: unknown) =>
      error instanceof ManagementError && error.code === 'NOT_FOUND'
        ? false
        : Promise.reject(error),
  );
  if (!known) {
    return;
  }
  if (event.RequestType === 'Delete') {
    await manager.transition(props.SubscriptionId, 'cancel');
    return;
  }

  // A resync replaces a key whose API key was never created. The secret contains both keys,
  // so the other one is replaced too and the pair is written together.
  const result = await manager.resync(props.SubscriptionId);
  const missing = KEY_SLOTS.filter((slot) => result.keys[slot] === undefined);
  if (missing.length < KEY_SLOTS.length) {
    let keys = result.keys;
    for (const slot of missing) {
      keys = { ...keys, ...(await manager.regenerate(props.SubscriptionId, slot)).keys };
    }
    await writeSecret(props.SecretArn, JSON.stringify(keys));
  }
}

/** Sends the outcome to CloudFormation's pre-signed response URL. */
export async function sendResourceResponse(
  event: SubscriptionResourceEvent,
  failure: string | undefined,
): Promise<void> {
  const body = JSON.stringify({
    Status: failure ? 'FAILED' : 'SUCCESS',
    Reason: failure ?? 'done',
    PhysicalResourceId: event.ResourceProperties.SubscriptionId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: { SubscriptionId: event.ResourceProperties.SubscriptionId },
  });
  const response = await fetch(event.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '' },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) {
    throw new Error(`CloudFormation response upload failed with HTTP ${response.status}`);
  }
}

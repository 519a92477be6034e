import { ManagementError } from '../subscriptions/errors';
import { SubscriptionManager } from '../subscriptions/manager';
import { KeyValues } from '../subscriptions/reconcile';
import { ManagementRequest } from './request';
import { SubscriptionView, viewOf } from './view';

/** Reply of the management function. Key values appear only in the reply that created them. */
export type ManagementReply =
  | { readonly ok: true; readonly subscription: SubscriptionView; readonly keys?: KeyValues }
  | { readonly ok: true; readonly subscriptions: SubscriptionView[] }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Runs one checked request against the manager. */
export async function dispatch(
  manager: SubscriptionManager,
  request: ManagementRequest,
  now: Date,
): Promise<ManagementReply> {
  switch (request.action) {
    case 'create': {
      const result = await manager.create(request.create);
      return { ok: true, subscription: viewOf(result.subscription, now), keys: result.keys };
    }
    case 'regenerate': {
      const result = await manager.regenerate(request.subscriptionId, request.slot);
      return { ok: true, subscription: viewOf(result.subscription, now), keys: result.keys };
    }
    case 'resync': {
      const result = await manager.resync(request.subscriptionId);
      return { ok: true, subscription: viewOf(result.subscription, now), ...withKeys(result.keys) };
    }
    case 'show':
      return { ok: true, subscription: viewOf(await manager.show(request.subscriptionId), now) };
    case 'list': {
      const found = await manager.list(request.filter);
      return { ok: true, subscriptions: found.map((item) => viewOf(item, now)) };
    }
    default: {
      const result = await manager.transition(request.subscriptionId, request.action);
      return { ok: true, subscription: viewOf(result.subscription, now) };
    }
  }
}

/** Turns a rejected request into a reply; any other error is rethrown for the caller to log. */
export function replyForError(error: unknown): ManagementReply {
  if (error instanceof ManagementError) {
    return { ok: false, code: error.code, message: error.message };
  }
  if ((error as { name?: unknown } | null)?.name === 'ConcurrentUpdateError') {
    return { ok: false, code: 'CONFLICT', message: (error as Error).message };
  }
  throw error;
}

// A resync that had to replace a lost key returns the new value, once.
function withKeys(keys: KeyValues): { keys?: KeyValues } {
  return Object.keys(keys).length > 0 ? { keys } : {};
}

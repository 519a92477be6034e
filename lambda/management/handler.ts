import { SubscriptionManager } from '../subscriptions/manager';
import { ManagementReply, dispatch, replyForError } from './dispatch';
import {
  SecretWriter,
  handleResourceEvent,
  isCustomResourceEvent,
  sendResourceResponse,
} from './custom-resource';
import { parseRequest } from './request';

export interface HandlerDependencies {
  readonly manager: SubscriptionManager;
  readonly writeSecret: SecretWriter;
  readonly now?: () => Date;
  /** Receives one JSON log line per request; never a key, hash or secret. */
  readonly log?: (line: string) => void;
}

/**
 * Creates the management function's handler. It takes a management request (`{ action, ... }`)
 * and returns a reply, or takes a CloudFormation event for a declared subscription and
 * sends the response to CloudFormation.
 */
export function createHandler(deps: HandlerDependencies) {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? ((line: string) => console.log(line));

  return async (payload: unknown): Promise<ManagementReply | void> => {
    if (isCustomResourceEvent(payload)) {
      const failure = await handleResourceEvent(deps.manager, deps.writeSecret, payload).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      log(
        JSON.stringify({
          level: failure ? 'error' : 'info',
          action: `resource-${payload.RequestType}`,
          subscriptionId: payload.ResourceProperties.SubscriptionId,
          error: failure,
        }),
      );
      return sendResourceResponse(payload, failure);
    }

    const action = (payload as { action?: unknown } | null)?.action;
    try {
      const reply = await dispatch(deps.manager, parseRequest(payload), now());
      log(JSON.stringify({ level: 'info', action, subscriptionId: subscriptionIdOf(reply) }));
      return reply;
    } catch (error) {
      const reply = replyForError(error);
      log(
        JSON.stringify({
          level: 'warn',
          action,
          code: reply.ok ? undefined : reply.code,
          message: reply.ok ? undefined : reply.message,
        }),
      );
      return reply;
    }
  };
}

function subscriptionIdOf(reply: ManagementReply): string | undefined {
  return 'subscription' in reply ? reply.subscription.id : undefined;
}

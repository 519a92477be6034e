import { ManagementError } from '../subscriptions/errors';
import {
  KEY_SLOTS,
  KeySlot,
  SUBSCRIPTION_STATES,
  SubscriptionState,
  TRANSITIONS,
  Transition,
  parseScope,
} from '../subscriptions/model';
import { CreateRequest } from '../subscriptions/manager';
import { ListFilter } from '../subscriptions/store';

/** A management request after its fields have been checked. */
export type ManagementRequest =
  | { readonly action: 'create'; readonly create: CreateRequest }
  | { readonly action: Transition; readonly subscriptionId: string }
  | { readonly action: 'regenerate'; readonly subscriptionId: string; readonly slot: KeySlot }
  | { readonly action: 'resync' | 'show'; readonly subscriptionId: string }
  | { readonly action: 'list'; readonly filter: ListFilter };

export const ACTIONS = [
  'create',
  ...Object.keys(TRANSITIONS),
  'regenerate',
  'resync',
  'show',
  'list',
] as const;

/** Checks a request payload and returns it typed; throws `INVALID_REQUEST` naming the field. */
export function parseRequest(payload: unknown): ManagementRequest {
  const input = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<
    string,
    unknown
  >;
  const action = input.action;
  if (action === 'create') {
    return { action, create: parseCreate(input) };
  }
  if (typeof action === 'string' && action in TRANSITIONS) {
    return {
      action: action as Transition,
      subscriptionId: requiredString(input, 'subscriptionId'),
    };
  }
  if (action === 'regenerate') {
    return {
      action,
      subscriptionId: requiredString(input, 'subscriptionId'),
      slot: parseSlot(input.slot),
    };
  }
  if (action === 'resync' || action === 'show') {
    return { action, subscriptionId: requiredString(input, 'subscriptionId') };
  }
  if (action === 'list') {
    return { action, filter: parseFilter(input) };
  }
  throw invalid(`action must be one of ${ACTIONS.join(', ')}, got ${JSON.stringify(action)}`);
}

function parseCreate(input: Record<string, unknown>): CreateRequest {
  const scopeText = optionalString(input, 'scope') ?? 'product';
  const scope = parseScope(scopeText);
  if (!scope) {
    throw invalid(`scope must be product, all or api:<api id>, got ${JSON.stringify(scopeText)}`);
  }
  const expiresAt = optionalString(input, 'expiresAt');
  if (expiresAt !== undefined && Number.isNaN(Date.parse(expiresAt))) {
    throw invalid(`expiresAt must be an ISO 8601 date-time, got ${JSON.stringify(expiresAt)}`);
  }
  return {
    owner: requiredString(input, 'owner'),
    productId: requiredString(input, 'productId'),
    scope,
    subscriptionId: optionalId(input),
    displayName: optionalString(input, 'displayName'),
    acceptTerms: optionalString(input, 'acceptTerms'),
    expiresAt,
  };
}

function parseFilter(input: Record<string, unknown>): ListFilter {
  const state = optionalString(input, 'state');
  if (state !== undefined && !SUBSCRIPTION_STATES.includes(state as SubscriptionState)) {
    throw invalid(
      `state must be one of ${SUBSCRIPTION_STATES.join(', ')}, got ${JSON.stringify(state)}`,
    );
  }
  return {
    owner: optionalString(input, 'owner'),
    productId: optionalString(input, 'productId'),
    state: state as SubscriptionState | undefined,
  };
}

function parseSlot(value: unknown): KeySlot {
  if (!KEY_SLOTS.includes(value as KeySlot)) {
    throw invalid(`slot must be primary or secondary, got ${JSON.stringify(value)}`);
  }
  return value as KeySlot;
}

function optionalId(input: Record<string, unknown>): string | undefined {
  const id = optionalString(input, 'subscriptionId');
  if (id !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(id)) {
    throw invalid(
      `subscriptionId must be 1 to 128 letters, digits, '.', '_' or '-', got ${JSON.stringify(id)}`,
    );
  }
  return id;
}

function requiredString(input: Record<string, unknown>, field: string): string {
  const value = optionalString(input, field);
  if (value === undefined) {
    throw invalid(`${field} is missing`);
  }
  return value;
}

function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256) {
    throw invalid(
      `${field} must be a non-empty string of at most 256 characters, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function invalid(message: string): ManagementError {
  return new ManagementError('INVALID_REQUEST', message);
}

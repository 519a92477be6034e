import { createSubscriptionKeyEvaluator } from './evaluator';
import { SubscriptionLookup, dynamoDbItemReader } from './lookup';

export { SUBSCRIPTION_CONTEXT_KEYS, createSubscriptionKeyEvaluator, readKey } from './evaluator';
export { SubscriptionLookup } from './lookup';

/** The `subscriptionKey` evaluator the authorizer registers, reading the DynamoDB registry. */
export const evaluateSubscriptionKey = createSubscriptionKeyEvaluator(
  new SubscriptionLookup(dynamoDbItemReader()),
);

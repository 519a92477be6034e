import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ManagementReply, dispatch, replyForError } from '../lambda/management/dispatch';
import { parseRequest } from '../lambda/management/request';
import { ApiKeyGateway } from '../lambda/subscriptions/api-gateway';
import { parseCatalog } from '../lambda/subscriptions/catalog';
import { SubscriptionManager } from '../lambda/subscriptions/manager';
import { SubscriptionStore } from '../lambda/subscriptions/store';
import type { CommandOutput } from './report';

export const SUBSCRIPTIONS_USAGE = `Usage:
  gatehouse subscriptions <action> [options]

Actions:
  create      --owner ID --product ID [--scope product|all|api:ID] [--subscription ID]
              [--accept-terms VERSION] [--expires-at ISO-DATE] [--display-name TEXT]
  approve | reject | suspend | resume | cancel | show | resync   --subscription ID
  regenerate  --subscription ID --slot primary|secondary
  list        [--owner ID] [--product ID] [--state STATE]

Where the command runs, one of:
  --function NAME              invoke the deployed management function
  --table NAME --catalog FILE  run the lifecycle here against a registry table, with
      --api-gateway-endpoint URL   API Gateway at this endpoint, or
      --skip-api-gateway           the registry only: no API keys are created or changed

Other options:
  --endpoint URL   DynamoDB endpoint, such as http://127.0.0.1:8000 for a local registry
  --region NAME    AWS region (default: AWS_REGION, else us-east-1)
  --json           print the reply as JSON

create and regenerate print key values once; the registry keeps only their hashes.
`;

const OPTIONS = {
  owner: { type: 'string' },
  product: { type: 'string' },
  scope: { type: 'string' },
  subscription: { type: 'string' },
  slot: { type: 'string' },
  state: { type: 'string' },
  'accept-terms': { type: 'string' },
  'expires-at': { type: 'string' },
  'display-name': { type: 'string' },
  function: { type: 'string' },
  table: { type: 'string' },
  catalog: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'api-gateway-endpoint': { type: 'string' },
  'skip-api-gateway': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

/** Runs `gatehouse subscriptions ...` and returns the exit status. */
export async function runSubscriptionsCommand(
  args: string[],
  output: CommandOutput,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    output.stderr(`${(error as Error).message}\n\n${SUBSCRIPTIONS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length !== 1) {
    output[values.help ? 'stdout' : 'stderr'](SUBSCRIPTIONS_USAGE);
    return values.help ? 0 : 2;
  }

  const payload = requestPayload(positionals[0], values);
  let reply: ManagementReply;
  try {
    reply = values.function
      ? await invokeFunction(values.function, values, payload)
      : await runLocally(values, payload);
  } catch (error) {
    output.stderr(`gatehouse subscriptions: ${(error as Error).message}\n`);
    return 2;
  }
  output.stdout(values.json ? `${JSON.stringify(reply, null, 2)}\n` : formatReply(reply));
  return reply.ok ? 0 : 1;
}

/** Builds the management request from the action and options, as the function receives it. */
function requestPayload(action: string, values: Values): Record<string, unknown> {
  return {
    action,
    owner: values.owner,
    productId: values.product,
    scope: values.scope,
    subscriptionId: values.subscription,
    slot: values.slot,
    state: values.state,
    acceptTerms: values['accept-terms'],
    expiresAt: values['expires-at'],
    displayName: values['display-name'],
  };
}

async function runLocally(
  values: Values,
  payload: Record<string, unknown>,
): Promise<ManagementReply> {
  if (!values.table || !values.catalog) {
    throw new Error('give --function NAME, or --table NAME with --catalog FILE');
  }
  const skip = values['skip-api-gateway'] === true;
  if (skip === (values['api-gateway-endpoint'] !== undefined)) {
    throw new Error(
      'running locally needs exactly one of --api-gateway-endpoint URL or --skip-api-gateway',
    );
  }

  const region = values.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const dynamodb = new DynamoDBClient({ region, endpoint: values.endpoint });
  const apiGateway = skip
    ? undefined
    : new APIGatewayClient({ region, endpoint: values['api-gateway-endpoint'] });
  const manager = new SubscriptionManager({
    store: new SubscriptionStore(dynamodb, values.table),
    catalog: parseCatalog(readFileSync(values.catalog, 'utf8')),
    apiGateway: apiGateway && new ApiKeyGateway(apiGateway),
  });
  try {
    return await dispatch(manager, parseRequest(payload), new Date());
  } catch (error) {
    return replyForError(error);
  } finally {
    dynamodb.destroy();
    apiGateway?.destroy();
  }
}

async function invokeFunction(
  name: string,
  values: Values,
  payload: Record<string, unknown>,
): Promise<ManagementReply> {
  const client = new LambdaClient({
    region: values.region ?? process.env.AWS_REGION ?? 'us-east-1',
  });
  try {
    const result = await client.send(
      new InvokeCommand({
        FunctionName: name,
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
    const body = new TextDecoder().decode(result.Payload);
    if (result.FunctionError) {
      throw new Error(`management function ${name} failed: ${body}`);
    }
    return JSON.parse(body) as ManagementReply;
  } finally {
    client.destroy();
  }
}

/** Formats a reply for people: key values first, marked as shown once. */
export function formatReply(reply: ManagementReply): string {
  if (!reply.ok) {
    return `error ${reply.code}: ${reply.message}\n`;
  }
  if ('subscriptions' in reply) {
    const rows = reply.subscriptions.map((item) =>
      [item.id, item.owner, item.productId, item.scope, item.state].join('  '),
    );
    return `${['id  owner  product  scope  state', ...rows].join('\n')}\n`;
  }
  const lines = [
    `subscription ${reply.subscription.id}`,
    `  owner    ${reply.subscription.owner}`,
    `  product  ${reply.subscription.productId}`,
    `  scope    ${reply.subscription.scope}`,
    `  state    ${reply.subscription.state}`,
    `  in sync with API Gateway: ${reply.subscription.inSync ? 'yes' : 'no; run resync'}`,
  ];
  for (const [slot, value] of Object.entries(reply.keys ?? {})) {
    lines.push(`  ${slot} key: ${value}`);
  }
  if (reply.keys && Object.keys(reply.keys).length > 0) {
    lines.push('Store these keys now; they are not shown again.');
  }
  return `${lines.join('\n')}\n`;
}

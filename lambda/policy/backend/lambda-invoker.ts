import type { LambdaClient } from '@aws-sdk/client-lambda';
import { BrokerInvoker, BrokerReply } from './broker-client';

/** Environment variable that carries the broker's ARN, known only at deploy time. */
export const BROKER_ARN_VARIABLE = 'GATEHOUSE_TOKEN_BROKER_ARN';

let client: LambdaClient | undefined;

/**
 * Calls the broker function with Lambda `Invoke`. The SDK is loaded on first use, so an
 * authorizer without backend credentials never loads it.
 */
export const invokeBroker: BrokerInvoker = async (request, timeoutMs) => {
  const functionName = process.env[BROKER_ARN_VARIABLE];
  if (!functionName) {
    throw new Error(`environment variable ${BROKER_ARN_VARIABLE} is not set`);
  }
  const sdk = await import('@aws-sdk/client-lambda');
  client ??= new sdk.LambdaClient({});
  const output = await client.send(
    new sdk.InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(request) }),
    { abortSignal: AbortSignal.timeout(timeoutMs) },
  );
  if (output.FunctionError) {
    throw new Error(`the token broker raised ${output.FunctionError}`);
  }
  return JSON.parse(Buffer.from(output.Payload ?? []).toString('utf8')) as BrokerReply;
};

import { AuthorizerConfig } from '../policy/config';
import { Decision, decide } from '../policy/decide';
import { AccessDenied } from '../policy/failure';
import { loadConfig } from '../policy/load-config';
import { RequestAuthorizerEvent, toAuthRequest } from './event';
import { logDecision } from './log';
import { AuthorizerResult, toResult } from './response';

let config: AuthorizerConfig | Error | undefined;

/** Reads `config.json` beside the bundle once; a bad config is kept so every request denies. */
function currentConfig(): AuthorizerConfig | Error {
  if (config === undefined) {
    try {
      config = loadConfig(`${__dirname}/config.json`);
    } catch (error) {
      config = error instanceof Error ? error : new Error(String(error));
    }
  }
  return config;
}

/** Handles a REQUEST authorizer event. Any failure inside ends in a denial, never in an allow. */
export async function handler(event: RequestAuthorizerEvent): Promise<AuthorizerResult> {
  // process.hrtime rather than performance.now, whose first use loads perf_hooks (1.5 to 7 ms here).
  const started = process.hrtime.bigint();
  const request = toAuthRequest(event, Date.now());
  const loaded = currentConfig();
  const decision: Decision =
    loaded instanceof Error
      ? {
          allowed: false,
          failure: new AccessDenied('INTERNAL_ERROR', 403, `config not loaded: ${loaded.message}`),
        }
      : await decide(loaded, request);

  logDecision(decision, request, Number(process.hrtime.bigint() - started) / 1e6);
  return toResult(decision, request);
}

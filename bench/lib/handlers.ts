import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizerConfig } from '../../lambda/policy/config';
import { Peer, peerEnv, stageGatehouse } from './bundles';
import { isAllow } from './events';

/** A bundled REQUEST authorizer handler, ours or a peer's. */
export type Handler = (event: Record<string, unknown>) => Promise<unknown>;

/** Calls a handler and returns true for Allow; a thrown `Unauthorized` or a Deny is false. */
export async function decide(handler: Handler, event: Record<string, unknown>): Promise<boolean> {
  try {
    return isAllow(await handler(event));
  } catch {
    return false;
  }
}

/**
 * Loads a copy of our authorizer bundle next to `config` in a new temporary folder, which is
 * removed when the process exits.
 */
export function loadGatehouse(config: AuthorizerConfig): Handler {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-authorizer-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return requireHandler(stageGatehouse(dir, config));
}

/**
 * Loads a peer bundle whose settings point at `jwksUrl`. Peers read their environment once
 * at load, so the variables are set just before `require`.
 */
export function loadPeer(bundle: string, jwksUrl: string): Handler {
  Object.assign(process.env, peerEnv(jwksUrl));
  return requireHandler(bundle);
}

/** Requires a bundle and returns its exported `handler`. */
export function requireHandler(bundle: string): Handler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(bundle) as { handler?: Handler };
  if (typeof module.handler !== 'function') {
    throw new Error(`${bundle} does not export a handler function`);
  }
  return module.handler;
}

/** Names the JWKS path a subject reads, so each subject's fetches are counted apart. */
export function jwksPath(subject: string): string {
  return `/${subject}/jwks.json`;
}

export type { Peer };

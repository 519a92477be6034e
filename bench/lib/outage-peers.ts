/**
 * Peer handlers for the identity-provider outage scenario: the handlers of `bench/peers/`,
 * with the key-cache setting each library offers set to the benchmark's short window. They
 * run unbundled, because the bundled peers keep their libraries' defaults and the scenario
 * times nothing below a second.
 */
import { joseHandler } from '../peers/jose';
import { jsonwebtokenHandler } from '../peers/jsonwebtoken';
import { PeerEvent, PeerResponse, PeerSettings } from '../peers/shared';
import type { Handler } from './handlers';
import { AUDIENCE, ISSUER, REQUIRED_ROLE, ROLE_CLAIM } from './tokens';

/** Key-cache limits of the outage scenario, in the authorizer's terms. */
export interface OutageWindow {
  /** How long fetched keys are used before a refresh is due. */
  readonly maxAgeSeconds: number;
  /** How long the last good keys keep working after that while fetches fail. */
  readonly maxStaleSeconds: number;
}

/** A peer's outage setup, or the reason it has no equivalent setting. */
export interface OutagePeer {
  readonly handler?: Handler;
  /** The setting used, or the reason the scenario does not apply. */
  readonly setting: string;
  /** False when the library has no setting that limits how long keys outlive an outage. */
  readonly comparable: boolean;
}

/**
 * Returns the outage variant of a peer. jwks-rsa 4.1 has the same two limits as our key cache
 * (`cacheMaxAge` and `cacheMaxAgeFallback`). jose 6 has one, `cacheMaxAge`, after which it
 * must refetch before it verifies, so it is set to the whole window. aws-jwt-verify 5.2 keeps
 * a fetched JWKS for the life of the instance and has no such setting.
 */
export function outagePeer(peer: string, jwksUri: string, window: OutageWindow): OutagePeer {
  const settings: PeerSettings = {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri,
    roleClaim: ROLE_CLAIM,
    requiredRole: REQUIRED_ROLE,
  };
  const maxAgeMs = window.maxAgeSeconds * 1000;
  const maxStaleMs = window.maxStaleSeconds * 1000;
  if (peer === 'jsonwebtoken') {
    return {
      handler: asHandler(
        jsonwebtokenHandler(settings, { cacheMaxAge: maxAgeMs, cacheMaxAgeFallback: maxStaleMs }),
      ),
      setting: `jwks-rsa cacheMaxAge ${maxAgeMs} ms, cacheMaxAgeFallback ${maxStaleMs} ms`,
      comparable: true,
    };
  }
  if (peer === 'jose') {
    return {
      handler: asHandler(joseHandler(settings, { cacheMaxAge: maxAgeMs + maxStaleMs })),
      setting: `jose cacheMaxAge ${maxAgeMs + maxStaleMs} ms (no stale fallback; one limit)`,
      comparable: true,
    };
  }
  return {
    setting: `n/a: ${peer} keeps a fetched JWKS for the life of the instance and has no setting that limits it`,
    comparable: false,
  };
}

/** Adapts a peer handler to the harness's event type; the harness sends REQUEST events. */
function asHandler(peer: (event: PeerEvent) => Promise<PeerResponse>): Handler {
  return (event) => peer(event as unknown as PeerEvent);
}

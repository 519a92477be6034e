/**
 * Peer handlers for the identity-provider outage scenario, with the key-cache setting each
 * library offers set to the benchmark's short window. They make the same checks as the
 * bundled peers in `bench/peers/`, which keep their libraries' defaults and cannot be
 * reconfigured. These run unbundled, because the scenario times nothing below a second.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import {
  ALGORITHMS,
  PeerEvent,
  PeerSettings,
  bearerToken,
  decide,
  hasExpiry,
  unauthorized,
} from '../peers/shared';
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
      handler: jsonwebtokenHandler(settings, maxAgeMs, maxStaleMs),
      setting: `jwks-rsa cacheMaxAge ${maxAgeMs} ms, cacheMaxAgeFallback ${maxStaleMs} ms`,
      comparable: true,
    };
  }
  if (peer === 'jose') {
    return {
      handler: joseHandler(settings, maxAgeMs + maxStaleMs),
      setting: `jose cacheMaxAge ${maxAgeMs + maxStaleMs} ms (no stale fallback; one limit)`,
      comparable: true,
    };
  }
  return {
    setting: `n/a: ${peer} keeps a fetched JWKS for the life of the instance and has no setting that limits it`,
    comparable: false,
  };
}

function jsonwebtokenHandler(settings: PeerSettings, maxAgeMs: number, maxStaleMs: number) {
  const client = new JwksClient({
    jwksUri: settings.jwksUri,
    cacheMaxAge: maxAgeMs,
    cacheMaxAgeFallback: maxStaleMs,
  });
  return async (event: Record<string, unknown>) => {
    const peerEvent = event as unknown as PeerEvent;
    const token = bearerToken(peerEvent);
    let claims: Record<string, unknown>;
    try {
      const decoded = jwt.decode(token, { complete: true });
      const key = await client.getSigningKey(decoded?.header.kid);
      const verified = jwt.verify(token, key.getPublicKey(), {
        algorithms: [...ALGORITHMS],
        issuer: settings.issuer,
        audience: settings.audience,
      });
      claims = typeof verified === 'string' ? {} : (verified as Record<string, unknown>);
    } catch {
      throw unauthorized();
    }
    if (!hasExpiry(claims)) {
      throw unauthorized();
    }
    return decide(claims, settings, peerEvent.methodArn);
  };
}

function joseHandler(settings: PeerSettings, cacheMaxAgeMs: number) {
  const keySet = createRemoteJWKSet(new URL(settings.jwksUri), { cacheMaxAge: cacheMaxAgeMs });
  return async (event: Record<string, unknown>) => {
    const peerEvent = event as unknown as PeerEvent;
    const token = bearerToken(peerEvent);
    let claims: Record<string, unknown>;
    try {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: [...ALGORITHMS],
        requiredClaims: ['exp'],
      });
      claims = payload;
    } catch {
      throw unauthorized();
    }
    return decide(claims, settings, peerEvent.methodArn);
  };
}

// A minimal REQUEST authorizer on jose alone: a remote key set and jwtVerify.
import { RemoteJWKSetOptions, createRemoteJWKSet, jwtVerify } from 'jose';
import {
  ALGORITHMS,
  PeerEvent,
  PeerResponse,
  PeerSettings,
  bearerToken,
  decide,
  readSettings,
  unauthorized,
} from './shared';

/** Creates the handler for `settings`, with `keySetOptions` passed to jose's remote key set. */
export function joseHandler(
  settings: PeerSettings,
  keySetOptions: RemoteJWKSetOptions = {},
): (event: PeerEvent) => Promise<PeerResponse> {
  const keySet = createRemoteJWKSet(new URL(settings.jwksUri), keySetOptions);
  return async (event) => {
    const token = bearerToken(event);
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
    return decide(claims, settings, event.methodArn);
  };
}

let configured: ((event: PeerEvent) => Promise<PeerResponse>) | undefined;

/** The bundle's entry point, with jose's defaults and its settings from the environment. */
export function handler(event: PeerEvent): Promise<PeerResponse> {
  configured ??= joseHandler(readSettings());
  return configured(event);
}

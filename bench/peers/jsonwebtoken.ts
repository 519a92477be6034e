// A minimal REQUEST authorizer on jsonwebtoken with jwks-rsa, both with their default options.
import jwt from 'jsonwebtoken';
import { JwksClient, Options as JwksClientOptions } from 'jwks-rsa';
import {
  ALGORITHMS,
  PeerEvent,
  PeerResponse,
  PeerSettings,
  bearerToken,
  decide,
  hasExpiry,
  readSettings,
  unauthorized,
} from './shared';

/** Creates the handler for `settings`, with `clientOptions` added to jwks-rsa's client. */
export function jsonwebtokenHandler(
  settings: PeerSettings,
  clientOptions: Partial<JwksClientOptions> = {},
): (event: PeerEvent) => Promise<PeerResponse> {
  const client = new JwksClient({ ...clientOptions, jwksUri: settings.jwksUri });
  return async (event) => {
    const token = bearerToken(event);
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

    // jsonwebtoken accepts a token without `exp`; the other handlers require it.
    if (!hasExpiry(claims)) {
      throw unauthorized();
    }
    return decide(claims, settings, event.methodArn);
  };
}

let configured: ((event: PeerEvent) => Promise<PeerResponse>) | undefined;

/** The bundle's entry point, with the libraries' defaults and settings from the environment. */
export function handler(event: PeerEvent): Promise<PeerResponse> {
  configured ??= jsonwebtokenHandler(readSettings());
  return configured(event);
}

// A minimal REQUEST authorizer on jsonwebtoken with jwks-rsa, both with their default options.
import jwt from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import {
  ALGORITHMS,
  PeerEvent,
  PeerResponse,
  bearerToken,
  decide,
  hasExpiry,
  readSettings,
  unauthorized,
} from './shared';

const settings = readSettings();
const client = new JwksClient({ jwksUri: settings.jwksUri });

export async function handler(event: PeerEvent): Promise<PeerResponse> {
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
}

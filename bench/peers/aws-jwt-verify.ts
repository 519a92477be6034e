// A minimal REQUEST authorizer on aws-jwt-verify, written the way its documentation suggests.
import { JwtVerifier } from 'aws-jwt-verify';
import {
  PeerEvent,
  PeerResponse,
  bearerToken,
  decide,
  hasExpiry,
  readSettings,
  unauthorized,
} from './shared';

const settings = readSettings();
const verifier = JwtVerifier.create({
  issuer: settings.issuer,
  audience: settings.audience,
  jwksUri: settings.jwksUri,
});

export async function handler(event: PeerEvent): Promise<PeerResponse> {
  const token = bearerToken(event);
  let claims: Record<string, unknown>;
  try {
    claims = (await verifier.verify(token)) as Record<string, unknown>;
  } catch {
    throw unauthorized();
  }

  // aws-jwt-verify checks `exp` only when present; the other handlers require it.
  if (!hasExpiry(claims)) {
    throw unauthorized();
  }
  return decide(claims, settings, event.methodArn);
}

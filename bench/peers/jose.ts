// A minimal REQUEST authorizer on jose alone: a remote key set and jwtVerify.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import {
  ALGORITHMS,
  PeerEvent,
  PeerResponse,
  bearerToken,
  decide,
  readSettings,
  unauthorized,
} from './shared';

const settings = readSettings();
const keySet = createRemoteJWKSet(new URL(settings.jwksUri));

export async function handler(event: PeerEvent): Promise<PeerResponse> {
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
}

import { JwtValidatorConfig } from '../config';
import { AccessDenied } from '../failure';
import { KeySet } from '../keys/key-set';
import { keyFitsAlgorithm } from '../keys/jwk';
import { ALGORITHMS, verifySignature } from './algorithms';
import { checkRegisteredClaims } from './claims';
import { parseCompactJws } from './compact';

/** The verified claims set of a token. */
export type JwtClaims = Readonly<Record<string, unknown>>;

/**
 * Verifies a compact JWS against a validator's settings and returns its claims. The key is
 * chosen by `kid` from the validator's own key set only; `jwk`, `jku`, `x5u` and `x5c`
 * headers are never read. Rejects with `AccessDenied` (status 401) on any failure.
 */
export async function verifyJwt(
  token: string,
  validator: JwtValidatorConfig,
  keySet: KeySet,
  now: number,
): Promise<JwtClaims> {
  const jws = parseCompactJws(token);
  const { alg, kid, crit } = jws.header;

  const allowed = typeof alg === 'string' && (validator.algorithms as string[]).includes(alg);
  const spec = allowed ? ALGORITHMS[alg as keyof typeof ALGORITHMS] : undefined;
  if (spec === undefined) {
    throw new AccessDenied(
      'ALGORITHM_NOT_ALLOWED',
      401,
      `token alg ${JSON.stringify(alg)} is not allowed, expected one of ${validator.algorithms.join(', ')}`,
    );
  }
  if (crit !== undefined) {
    throw new AccessDenied(
      'TOKEN_MALFORMED',
      401,
      'token header has crit, and no extension is supported',
    );
  }
  if (kid !== undefined && typeof kid !== 'string') {
    throw new AccessDenied('TOKEN_MALFORMED', 401, 'token header kid is not a string');
  }

  const candidates = (await keySet.keysFor(kid, now)).filter((key) =>
    keyFitsAlgorithm(key, alg as string, spec),
  );
  if (candidates.length === 0 || (kid === undefined && candidates.length > 1)) {
    const keyDescription = kid === undefined ? 'without kid' : `with kid ${JSON.stringify(kid)}`;
    throw new AccessDenied('KEY_NOT_FOUND', 401, `no single ${alg} key found ${keyDescription}`);
  }

  if (!verifySignature(spec, candidates[0].key, jws.signingInput, jws.signature)) {
    throw new AccessDenied(
      'SIGNATURE_INVALID',
      401,
      `token signature is invalid (kid ${JSON.stringify(kid)})`,
    );
  }
  checkRegisteredClaims(jws.payload, validator, now);
  return jws.payload;
}

import { JwtValidatorConfig } from '../config';
import { AccessDenied } from '../failure';
import { KeySet } from '../keys/key-set';
import { VerificationKey, keyFitsAlgorithm } from '../keys/jwk';
import { ALGORITHMS, AlgorithmSpec, verifySignature } from './algorithms';
import { checkRegisteredClaims } from './claims';
import { parseCompactJws } from './compact';
import { VerifiedTokens } from './verified-tokens';

/** The verified claims set of a token. */
export type JwtClaims = Readonly<Record<string, unknown>>;

/**
 * Verifies a compact JWS against a validator's settings and returns its claims. The key is
 * chosen by `kid` from the validator's own key set only; `jwk`, `jku`, `x5u` and `x5c`
 * headers are never read. Rejects with `AccessDenied` (status 401) on any failure.
 *
 * With `verified`, a token seen before skips parsing and the signature check while the key
 * set still returns the key that verified it. The header and claim checks run on every call.
 * `options.keyTime` is the time passed to the key set, in seconds with a fraction, so that its
 * refetch cool-down is exact. Claims are checked against `now`.
 */
export async function verifyJwt(
  token: string,
  validator: JwtValidatorConfig,
  keySet: KeySet,
  now: number,
  verified?: VerifiedTokens,
  options: { readonly keyTime?: number } = {},
): Promise<JwtClaims> {
  const keyTime = options.keyTime ?? now;
  const seen = verified?.get(token, now);
  if (seen !== undefined) {
    let key: VerificationKey;
    try {
      const selected = selectKey(seen.header, validator, keySet, keyTime);
      ({ key } = selected instanceof Promise ? await selected : selected);
    } catch (error) {
      verified?.delete(token);
      throw error;
    }
    if (key === seen.key) {
      checkRegisteredClaims(seen.payload, validator, now);
      return seen.payload;
    }
    verified?.delete(token);
  }

  const jws = parseCompactJws(token);
  const selected = selectKey(jws.header, validator, keySet, keyTime);
  const { spec, key } = selected instanceof Promise ? await selected : selected;
  if (!verifySignature(spec, key.key, jws.signingInput, jws.signature)) {
    throw new AccessDenied(
      'SIGNATURE_INVALID',
      401,
      `token signature is invalid (kid ${JSON.stringify(jws.header.kid)})`,
    );
  }
  checkRegisteredClaims(jws.payload, validator, now);
  verified?.add(token, jws.header, jws.payload, key, now);
  return jws.payload;
}

interface SelectedKey {
  readonly spec: AlgorithmSpec;
  readonly key: VerificationKey;
}

/**
 * Checks the header's `alg`, `crit` and `kid`, and finds the one key that may verify it.
 * Returns without a promise when the key set contains the keys already, so a warm decision
 * awaits nothing here.
 */
function selectKey(
  header: Readonly<Record<string, unknown>>,
  validator: JwtValidatorConfig,
  keySet: KeySet,
  now: number,
): SelectedKey | Promise<SelectedKey> {
  const { alg, kid, crit } = header;
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

  const keys = keySet.keysFor(kid, now);
  return Array.isArray(keys)
    ? onlyKey(keys, alg as string, kid, spec)
    : (keys as Promise<readonly VerificationKey[]>).then((held) =>
        onlyKey(held, alg as string, kid, spec),
      );
}

/** Returns the single key of `keys` that fits `alg`. None, or several without a kid, deny. */
function onlyKey(
  keys: readonly VerificationKey[],
  alg: string,
  kid: string | undefined,
  spec: AlgorithmSpec,
): SelectedKey {
  const candidates = keys.filter((key) => keyFitsAlgorithm(key, alg, spec));
  if (candidates.length === 0 || (kid === undefined && candidates.length > 1)) {
    const keyDescription = kid === undefined ? 'without kid' : `with kid ${JSON.stringify(kid)}`;
    throw new AccessDenied('KEY_NOT_FOUND', 401, `no single ${alg} key found ${keyDescription}`);
  }
  return { spec, key: candidates[0] };
}

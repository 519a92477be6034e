import { AuthorizerConfig, JwtRequirement, JwtValidatorConfig } from '../config';
import { AuthorizerContext, EvaluationContext, Grant } from '../evaluator';
import { KeySet, createKeySet } from '../keys/key-set';
import { checkCertificateBinding } from '../certificate/binding';
import { checkRequiredClaims, readClaim } from './claims';
import { readToken } from './token-source';
import { VerifiedTokens } from './verified-tokens';
import { JwtClaims, verifyJwt } from './verify-jwt';

/** State one validator keeps between requests: its key set and the tokens it verified. */
interface ValidatorState {
  readonly keySet: KeySet;
  readonly verified: VerifiedTokens;
}

/** Validator state by validator id, one map per loaded config, kept for the life of the instance. */
const states = new WeakMap<AuthorizerConfig, Map<string, ValidatorState>>();

/**
 * Evaluates a `jwt` requirement: reads and verifies the token once per decision (through
 * the decision's memo), then checks the validator's and the requirement's claims.
 */
export async function evaluateJwt(
  requirement: JwtRequirement,
  context: EvaluationContext,
): Promise<Grant> {
  const validator = context.config.jwtValidators[requirement.validator];
  if (validator === undefined) {
    throw new Error(`config has no JWT validator ${requirement.validator}`);
  }

  const claims = await context.memo(`jwt:${requirement.validator}`, async () => {
    const token = readToken(context.request, validator.tokenSources);
    const state = stateFor(context.config, requirement.validator, validator);
    const { now, nowMs = now * 1000 } = context.request;
    const verified = await verifyJwt(token, validator, state.keySet, now, state.verified, {
      keyTime: nowMs / 1000,
    });
    checkRequiredClaims(verified, validator.claims);
    if (validator.requireCertificateBinding === true) {
      checkCertificateBinding(verified, context.request.clientCertificate?.pem);
    }
    return verified;
  });
  checkRequiredClaims(claims, requirement.claims);

  const principal = claims.sub;
  return {
    principalId: typeof principal === 'string' ? principal : undefined,
    context: forwardedClaims(claims, validator),
  };
}

function stateFor(
  config: AuthorizerConfig,
  id: string,
  validator: JwtValidatorConfig,
): ValidatorState {
  let byId = states.get(config);
  if (byId === undefined) {
    byId = new Map();
    states.set(config, byId);
  }
  let state = byId.get(id);
  if (state === undefined) {
    state = {
      keySet: createKeySet(validator.keys, validator.issuers, validator.keyCache),
      verified: new VerifiedTokens(),
    };
    byId.set(id, state);
  }
  return state;
}

/** Copies the chosen claims into the context: strings as they are, arrays joined by spaces. */
function forwardedClaims(claims: JwtClaims, validator: JwtValidatorConfig): AuthorizerContext {
  const context: AuthorizerContext = {};
  for (const { claim, contextKey } of validator.forwardClaims) {
    const value = readClaim(claims, claim);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      context[contextKey] = String(value);
    } else if (Array.isArray(value)) {
      context[contextKey] = value.filter((item) => typeof item !== 'object').join(' ');
    }
  }
  return context;
}

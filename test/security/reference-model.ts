import fc from 'fast-check';
import type { AccessRequirement } from '../../lambda/policy/config';

/**
 * An independent model of how the authorizer decides `anonymous`, `jwt` (with `roles`
 * checks), `allOf` and `anyOf` requirements, written from the documented rules rather than
 * from the evaluator's code. Property tests compare the bundled handler with it.
 */
export type ReferenceOutcome = 'allow' | 'unauthorized' | 'forbidden';

/** Who calls: a valid token with roles, an expired one, or none. */
export interface Caller {
  readonly token: 'valid' | 'expired' | 'none';
  readonly roles: readonly string[];
}

export const ROLES = ['reader', 'writer', 'admin'] as const;

export function arbitraryCaller(): fc.Arbitrary<Caller> {
  return fc.record({
    token: fc.constantFrom('valid', 'valid', 'valid', 'expired', 'none'),
    roles: fc.subarray([...ROLES]),
  });
}

/** Requirements over the `main` validator, nested at most two levels deep. */
export function arbitraryRequirement(): fc.Arbitrary<AccessRequirement> {
  const leaf: fc.Arbitrary<AccessRequirement> = fc.oneof(
    fc.constant({ kind: 'anonymous' } as const),
    fc
      .record({
        values: fc.subarray([...ROLES], { minLength: 1 }),
        match: fc.constantFrom('all', 'any') as fc.Arbitrary<'all' | 'any'>,
        checked: fc.boolean(),
      })
      .map(({ values, match, checked }) => ({
        kind: 'jwt' as const,
        validator: 'main',
        claims: checked ? [{ claim: 'roles', values, match }] : [],
      })),
  );
  const group = (kind: 'allOf' | 'anyOf') =>
    fc.array(leaf, { minLength: 1, maxLength: 3 }).map((of) => ({ kind, of }));
  return fc.oneof({ weight: 3, arbitrary: leaf }, group('allOf'), group('anyOf'));
}

/** Decides a requirement for a caller by the documented rules. */
export function referenceDecision(
  requirement: AccessRequirement,
  caller: Caller,
): ReferenceOutcome {
  switch (requirement.kind) {
    case 'anonymous':
      return 'allow';
    case 'jwt': {
      if (caller.token !== 'valid') {
        return 'unauthorized';
      }
      const passes = requirement.claims.every((check) =>
        check.match === 'all'
          ? check.values.every((value) => caller.roles.includes(value))
          : check.values.some((value) => caller.roles.includes(value)),
      );
      return passes ? 'allow' : 'forbidden';
    }
    case 'allOf':
      return (
        requirement.of.map((part) => referenceDecision(part, caller)).find((o) => o !== 'allow') ??
        'allow'
      );
    case 'anyOf': {
      const outcomes = requirement.of.map((part) => referenceDecision(part, caller));
      if (outcomes.includes('allow')) {
        return 'allow';
      }
      // A known caller who lacks a claim in any branch gets 403, the more specific response.
      return outcomes.includes('forbidden') ? 'forbidden' : outcomes[0];
    }
    default:
      throw new Error(`the reference model has no rule for ${requirement.kind}`);
  }
}

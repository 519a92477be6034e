import { OperationConfig } from './config';

/**
 * Returns the execute-api resource ARNs of a policy that allows `allowed` and nothing in
 * `denied`. An operation becomes `.../{METHOD}/{path}` with each `{param}` as `*` (and `*`
 * for the method `ANY`). IAM's `*` also matches `/`, so `/orders/*` would cover
 * `/orders/{id}/items` too: an allowed operation whose pattern could match a denied one is
 * left out, except the requested operation, which then gets its exact `methodArn`. The
 * result is empty when even that is unsafe.
 *
 * NOTE: a caller served from the cache then gets 403 on a left-out operation it may reach,
 * until the TTL ends; giving overlapping operations separate authorizers would fix it.
 *
 * @param methodArn the request's `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path}`
 */
export function allowedResourceArns(
  methodArn: string,
  allowed: readonly OperationConfig[],
  denied: readonly OperationConfig[],
): string[] {
  const base = stageArn(methodArn);
  const deniedPatterns = denied.map(operationPattern);
  const arns: string[] = [];
  for (const [index, operation] of allowed.entries()) {
    const pattern = operationPattern(operation);
    const overlaps = deniedPatterns.some((other) => patternsOverlap(pattern, other));
    if (!overlaps) {
      arns.push(`${base}/${pattern}`);
    } else if (index === 0) {
      // A path such as `/orders/*` would be a wildcard in IAM, so it is never echoed.
      const safe = !/[*?]/.test(methodArn);
      if (!safe) {
        return [];
      }
      arns.push(methodArn);
    }
  }
  return arns;
}

/**
 * Returns the execute-api resource ARNs of the `allowed` operations whose patterns overlap
 * nothing in `denied`. Unlike `allowedResourceArns`, it never falls back to the request's
 * own ARN, because the request itself is among the denied operations.
 */
export function siblingResourceArns(
  methodArn: string,
  allowed: readonly OperationConfig[],
  denied: readonly OperationConfig[],
): string[] {
  const base = stageArn(methodArn);
  const deniedPatterns = denied.map(operationPattern);
  return allowed
    .map(operationPattern)
    .filter((pattern) => !deniedPatterns.some((other) => patternsOverlap(pattern, other)))
    .map((pattern) => `${base}/${pattern}`);
}

/** Returns `arn:...:{apiId}/{stage}`, the part of a method ARN before the method. */
export function stageArn(methodArn: string): string {
  // The path may contain colons, so find the end of the five fixed ARN fields first.
  let colon = -1;
  for (let field = 0; field < 5; field++) {
    colon = methodArn.indexOf(':', colon + 1);
    if (colon === -1) {
      break;
    }
  }
  const slash = colon === -1 ? -1 : methodArn.indexOf('/', colon + 1);
  const stageEnd = slash === -1 ? -1 : methodArn.indexOf('/', slash + 1);
  const valid = methodArn.startsWith('arn:') && methodArn.includes(':execute-api:');
  if (!valid || stageEnd === -1 || slash === colon + 1 || stageEnd === slash + 1) {
    throw new Error(`methodArn ${JSON.stringify(methodArn)} is not an execute-api method ARN`);
  }
  return methodArn.slice(0, stageEnd);
}

/** Patterns by operation, computed once per loaded config. */
const patterns = new WeakMap<OperationConfig, string>();

/** Returns `{METHOD}{path}` with `*` for `ANY` and for each path parameter. */
export function operationPattern(operation: OperationConfig): string {
  let pattern = patterns.get(operation);
  if (pattern === undefined) {
    const method = operation.method === 'ANY' ? '*' : operation.method;
    pattern = method + operation.path.replace(/\{[^}]*\}/g, '*');
    patterns.set(operation, pattern);
  }
  return pattern;
}

/**
 * Tells whether some string matches both glob patterns, where `*` matches any run of
 * characters, `/` included, and every other character matches itself.
 */
export function patternsOverlap(a: string, b: string): boolean {
  const seen = new Set<number>();
  const walk = (i: number, j: number): boolean => {
    const state = i * (b.length + 1) + j;
    if (seen.has(state)) {
      return false;
    }
    seen.add(state);
    if (i === a.length && j === b.length) {
      return true;
    }
    if (a[i] === '*' && (walk(i + 1, j) || (j < b.length && walk(i, j + 1)))) {
      return true;
    }
    if (b[j] === '*' && (walk(i, j + 1) || (i < a.length && walk(i + 1, j)))) {
      return true;
    }
    return i < a.length && j < b.length && a[i] === b[j] && walk(i + 1, j + 1);
  };
  return walk(0, 0);
}

import { compareAccess } from './diff-access';
import { compareLimits } from './diff-limits';
import { ApiReport, EffectivePolicyReport, OperationReport, UndeclaredMethodReport } from './model';
import { compareText } from './template';

/** Whether a change lets more callers in, fewer, or neither in a way the diff can rank. */
export type ChangeDirection = 'wider' | 'narrower' | 'changed';

const DIRECTION_ORDER: Record<ChangeDirection, number> = { wider: 0, narrower: 1, changed: 2 };

/** One difference in access between two reports. */
export interface AccessChange {
  readonly direction: ChangeDirection;
  /** Construct path of the gateway. */
  readonly gateway: string;
  /** Key of the API in the authorizer config. */
  readonly api: string;
  /** Method and path, such as `GET /orders/{id}`. */
  readonly operation: string;
  /** Short description of the change, such as `audience added`. */
  readonly summary: string;
  /** The values involved. */
  readonly detail: string;
}

export interface ReportDiff {
  /** Changes with widening first, then narrowing, then other changes. */
  readonly changes: AccessChange[];
}

/** The place of a change, passed to the comparers so each change can name it. */
export interface ChangeSite {
  readonly gateway: string;
  readonly api: string;
  readonly operation: string;
}

/** Collects the changes found for one site. */
export type ChangeSink = (direction: ChangeDirection, summary: string, detail: string) => void;

/**
 * Compares two effective-policy reports and lists what access got wider, narrower or
 * otherwise changed, widening first.
 *
 * @example
 * const diff = diffReports(buildReport('old/cdk.out'), buildReport('cdk.out'));
 */
export function diffReports(
  before: EffectivePolicyReport,
  after: EffectivePolicyReport,
): ReportDiff {
  const changes: AccessChange[] = [];
  const beforeApis = indexApis(before);
  const afterApis = indexApis(after);

  for (const key of union(beforeApis.keys(), afterApis.keys())) {
    const [, api] = JSON.parse(key) as [string, string];
    const old = beforeApis.get(key);
    const now = afterApis.get(key);
    const gateway = now?.gateway ?? old?.gateway ?? '';
    compareApi(gateway, api, old?.api, now?.api, changes);
  }

  changes.sort(
    (a, b) =>
      DIRECTION_ORDER[a.direction] - DIRECTION_ORDER[b.direction] ||
      compareText(a.gateway, b.gateway) ||
      compareText(a.api, b.api) ||
      compareText(a.operation, b.operation),
  );
  return { changes };
}

function compareApi(
  gateway: string,
  api: string,
  before: ApiReport | undefined,
  after: ApiReport | undefined,
  changes: AccessChange[],
): void {
  const beforeOperations = indexBy(before?.operations ?? [], operationName);
  const afterOperations = indexBy(after?.operations ?? [], operationName);
  for (const name of union(beforeOperations.keys(), afterOperations.keys())) {
    const site = { gateway, api, operation: name };
    const sink: ChangeSink = (direction, summary, detail) =>
      changes.push({ direction, ...site, summary, detail });
    compareOperation(beforeOperations.get(name), afterOperations.get(name), sink);
  }

  const beforeMethods = indexBy(before?.undeclaredMethods ?? [], operationName);
  const afterMethods = indexBy(after?.undeclaredMethods ?? [], operationName);
  for (const name of union(beforeMethods.keys(), afterMethods.keys())) {
    const sink: ChangeSink = (direction, summary, detail) =>
      changes.push({ direction, gateway, api, operation: name, summary, detail });
    compareUndeclared(beforeMethods.get(name), afterMethods.get(name), sink);
  }
}

function compareOperation(
  before: OperationReport | undefined,
  after: OperationReport | undefined,
  sink: ChangeSink,
): void {
  if (!before && after) {
    const open = after.access.kind === 'anonymous' || !after.enforced;
    sink('wider', open ? 'anonymous operation added' : 'operation added', 'the operation is new');
    return;
  }
  if (before && !after) {
    sink('narrower', 'operation removed', 'the operation no longer exists');
    return;
  }
  if (!before || !after) {
    return;
  }

  if (before.enforced && !after.enforced) {
    sink('wider', 'authorizer no longer called', 'API Gateway now lets every caller through');
  }
  if (!before.enforced && after.enforced) {
    sink('narrower', 'authorizer now called', 'the declared policy is now enforced');
  }
  compareAccess(before.access, after.access, sink);
  compareCaching(before, after, sink);
  compareLimits(before.products, after.products, sink);
  compareBackend(before, after, sink);
}

function compareCaching(before: OperationReport, after: OperationReport, sink: ChangeSink): void {
  // An operation made anonymous, or closed again, is already reported as such.
  if (before.caching.authorizer === null || after.caching.authorizer === null) {
    return;
  }
  const oldTtl = before.caching.ttlSeconds;
  const newTtl = after.caching.ttlSeconds;
  if (newTtl > oldTtl) {
    sink('wider', 'decision cached longer', `${oldTtl} s -> ${newTtl} s`);
  }
  if (newTtl < oldTtl) {
    sink('narrower', 'decision cached shorter', `${oldTtl} s -> ${newTtl} s`);
  }
  const oldSources = before.caching.identitySources.join(', ');
  const newSources = after.caching.identitySources.join(', ');
  if (oldSources !== newSources && oldTtl > 0 && newTtl > 0) {
    sink('changed', 'cache key changed', `${oldSources || 'none'} -> ${newSources || 'none'}`);
  }
}

function compareBackend(before: OperationReport, after: OperationReport, sink: ChangeSink): void {
  const oldTarget = `${before.backend.integration} ${before.backend.target ?? ''}`.trim();
  const newTarget = `${after.backend.integration} ${after.backend.target ?? ''}`.trim();
  if (oldTarget !== newTarget) {
    sink('changed', 'backend changed', `${oldTarget} -> ${newTarget}`);
  }
  const oldAuth = JSON.stringify(before.backend.authentication);
  const newAuth = JSON.stringify(after.backend.authentication);
  if (oldAuth !== newAuth) {
    sink('changed', 'backend authentication changed', `${oldAuth} -> ${newAuth}`);
  }
  const oldHeaders = JSON.stringify(before.backend.headersFromAuthorizer);
  const newHeaders = JSON.stringify(after.backend.headersFromAuthorizer);
  if (oldHeaders !== newHeaders) {
    sink('changed', 'headers sent to the backend changed', `${oldHeaders} -> ${newHeaders}`);
  }
}

function compareUndeclared(
  before: UndeclaredMethodReport | undefined,
  after: UndeclaredMethodReport | undefined,
  sink: ChangeSink,
): void {
  const oldType = before?.authorizationType;
  const newType = after?.authorizationType;
  if (oldType === newType) {
    return;
  }
  if (newType === 'NONE') {
    sink(
      'wider',
      'open method not declared in Gatehouse',
      `authorization ${oldType ?? 'absent'} -> NONE`,
    );
  } else if (oldType === 'NONE') {
    sink(
      'narrower',
      'open method closed or removed',
      `authorization NONE -> ${newType ?? 'absent'}`,
    );
  } else {
    sink(
      'changed',
      'method not declared in Gatehouse changed',
      `authorization ${oldType ?? 'absent'} -> ${newType ?? 'absent'}`,
    );
  }
}

/**
 * Indexes APIs by stack and key. The gateway's path is not part of the key, because a
 * gateway whose operations all became anonymous has no authorizer and so no path.
 */
function indexApis(
  report: EffectivePolicyReport,
): Map<string, { gateway: string; api: ApiReport }> {
  const apis = new Map<string, { gateway: string; api: ApiReport }>();
  for (const gateway of report.gateways) {
    for (const api of gateway.apis) {
      apis.set(JSON.stringify([gateway.stack, api.key]), { gateway: gateway.gateway, api });
    }
  }
  return apis;
}

function operationName(operation: { method: string; path: string }): string {
  return `${operation.method} ${operation.path}`;
}

function indexBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  return new Map(items.map((item) => [key(item), item]));
}

function union(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort(compareText);
}

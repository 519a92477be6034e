import type { ChangeSink } from './diff';
import { ProductReport, QuotaReport } from './model';

/** Approximate days per quota period, to compare quotas whose period changed. */
const DAYS_PER_PERIOD: Record<string, number> = { DAY: 1, WEEK: 7, MONTH: 30 };

/**
 * Compares the products that cover an operation. A product added, a quota or throttle raised
 * or removed lets callers do more; the opposite lets them do less.
 */
export function compareLimits(
  before: ProductReport[],
  after: ProductReport[],
  sink: ChangeSink,
): void {
  const key = (product: ProductReport) => `${product.name} on ${product.stage}`;
  const names = [...new Set([...before, ...after].map(key))].sort();
  for (const name of names) {
    const old = before.find((product) => key(product) === name);
    const now = after.find((product) => key(product) === name);
    if (!old) {
      sink('wider', 'product added', name);
    } else if (!now) {
      sink('narrower', 'product removed', name);
    } else {
      compareQuota(name, old.quota, now.quota, sink);
      compareRate(
        name,
        'rate limit',
        old.throttle?.rateLimit ?? null,
        now.throttle?.rateLimit ?? null,
        sink,
      );
      compareRate(
        name,
        'burst limit',
        old.throttle?.burstLimit ?? null,
        now.throttle?.burstLimit ?? null,
        sink,
      );
    }
  }
}

function compareQuota(
  product: string,
  before: QuotaReport | null,
  after: QuotaReport | null,
  sink: ChangeSink,
): void {
  const show = (quota: QuotaReport | null) =>
    quota ? `${quota.limit} per ${quota.period.toLowerCase()}` : 'no quota';
  const detail = `${product}: ${show(before)} -> ${show(after)}`;
  const oldRate = perDay(before);
  const newRate = perDay(after);
  if (newRate > oldRate) {
    sink('wider', after ? 'quota raised' : 'quota removed', detail);
  } else if (newRate < oldRate) {
    sink('narrower', before ? 'quota lowered' : 'quota added', detail);
  } else if (show(before) !== show(after)) {
    sink('changed', 'quota changed', detail);
  }
}

function compareRate(
  product: string,
  noun: string,
  before: number | null,
  after: number | null,
  sink: ChangeSink,
): void {
  const oldValue = before ?? Infinity;
  const newValue = after ?? Infinity;
  const show = (value: number | null) => (value === null ? 'none' : String(value));
  const detail = `${product}: ${show(before)} -> ${show(after)}`;
  if (newValue > oldValue) {
    sink('wider', after === null ? `${noun} removed` : `${noun} raised`, detail);
  } else if (newValue < oldValue) {
    sink('narrower', before === null ? `${noun} added` : `${noun} lowered`, detail);
  }
}

function perDay(quota: QuotaReport | null): number {
  if (!quota) {
    return Infinity;
  }
  const days = DAYS_PER_PERIOD[quota.period.toUpperCase()];
  // An unknown period cannot be ranked, so only an equal quota compares equal.
  return days ? quota.limit / days : Number.NaN;
}

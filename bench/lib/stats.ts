/** Summary statistics for the benchmark results; every function leaves its input unchanged. */

/** Returns the median: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  const sorted = sortedCopy(values);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Returns the nearest-rank percentile: the smallest value such that at least `p` percent of
 * the values are at or below it (`p` from 0 to 100).
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) {
    throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  }
  const sorted = sortedCopy(values);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

/** Returns the median, minimum, maximum and count of the values. */
export function summarize(values: readonly number[]): Summary {
  const sorted = sortedCopy(values);
  return {
    median: median(sorted),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    runs: sorted.length,
  };
}

/** Returns the largest number of timestamps (in ms) that fall inside any window of `windowMs`. */
export function maxInWindow(timestampsMs: readonly number[], windowMs: number): number {
  const sorted = sortedCopy(timestampsMs);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) {
      start++;
    }
    best = Math.max(best, end - start + 1);
  }
  return best;
}

function sortedCopy(values: readonly number[]): number[] {
  if (values.length === 0) {
    throw new RangeError('cannot summarize an empty list of values');
  }
  if (values.some((value) => !Number.isFinite(value))) {
    throw new RangeError('cannot summarize values that are not finite numbers');
  }
  return [...values].sort((a, b) => a - b);
}

import { percentile } from './stats';

/** Figures of one timed batch of decisions. */
export interface BatchFigures {
  readonly decisionsPerSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Decisions that did not allow a valid request; any is a broken comparison. */
  readonly wrongDecisions: number;
}

/** Code run before and after each batch, for example to mute a log line. */
export interface BatchHooks {
  before(): void;
  after(): void;
}

/**
 * Times `size` decisions, `decide(first)` to `decide(first + size - 1)`, each with
 * `process.hrtime.bigint()`. Garbage is collected before the batch when `--expose-gc` is on,
 * so one subject's garbage is not collected during the next one's batch.
 */
export async function timeBatch(
  decide: (index: number) => Promise<boolean>,
  first: number,
  size: number,
  hooks?: BatchHooks,
): Promise<BatchFigures> {
  const latencies = new Float64Array(size);
  let wrongDecisions = 0;
  globalThis.gc?.();
  hooks?.before();
  const start = process.hrtime.bigint();
  for (let index = first; index < first + size; index++) {
    const before = process.hrtime.bigint();
    const allowed = await decide(index);
    latencies[index - first] = Number(process.hrtime.bigint() - before) / 1000;
    if (!allowed) {
      wrongDecisions++;
    }
  }
  const elapsedSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  hooks?.after();

  const samples = Array.from(latencies);
  return {
    decisionsPerSecond: size / elapsedSeconds,
    p50Us: percentile(samples, 50),
    p99Us: percentile(samples, 99),
    wrongDecisions,
  };
}

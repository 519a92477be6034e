import { Summary, summarize } from './stats';

/** One line of `bench/results.json`. */
export interface ResultEntry {
  /** Benchmark group, such as `warm` or `cold`. */
  readonly group: string;
  /** Measurement name, such as `warm RS256 p50 latency / aws-jwt-verify`. */
  readonly name: string;
  /** Implementation measured, such as `gatehouse` or `jose`. */
  readonly subject: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Number of samples the median is taken over. */
  readonly runs: number;
  /** Subject whose median this entry is divided by, or null when the entry has no baseline. */
  readonly baseline: string | null;
  /** `median / baseline median`; null when there is no baseline. */
  readonly ratio: number | null;
  readonly note?: string;
}

export interface EntryInput {
  readonly group: string;
  readonly name: string;
  readonly subject: string;
  readonly unit: string;
  readonly summary: Summary;
  readonly note?: string;
}

/**
 * Builds result entries for one measurement across several subjects, each with its ratio to
 * the baseline subject's median. Without a baseline, or when the baseline was not measured,
 * ratios are null.
 */
export function compareToBaseline(inputs: readonly EntryInput[], baseline?: string): ResultEntry[] {
  const base = inputs.find((input) => input.subject === baseline);
  return inputs.map((input) => ({
    group: input.group,
    name: input.name,
    subject: input.subject,
    unit: input.unit,
    median: input.summary.median,
    min: input.summary.min,
    max: input.summary.max,
    runs: input.summary.runs,
    baseline: base ? base.subject : null,
    ratio: base && base.summary.median !== 0 ? input.summary.median / base.summary.median : null,
    ...(input.note ? { note: input.note } : {}),
  }));
}

/** Builds one entry without a baseline from raw samples. */
export function singleEntry(
  input: Omit<EntryInput, 'summary'> & { readonly samples: readonly number[] },
): ResultEntry {
  const { samples, ...rest } = input;
  return compareToBaseline([{ ...rest, summary: summarize(samples) }])[0];
}

/** Returns a plain-text table of the entries, one line each, for the terminal. */
export function formatTable(entries: readonly ResultEntry[]): string {
  const header = ['name', 'subject', 'median', 'min', 'max', 'unit', 'runs', 'ratio'];
  const rows = entries.map((entry) => [
    entry.name,
    entry.subject,
    formatNumber(entry.median),
    formatNumber(entry.min),
    formatNumber(entry.max),
    entry.unit,
    String(entry.runs),
    entry.ratio === null ? '' : `${entry.ratio.toFixed(2)}x ${entry.baseline}`,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const lines = [header, ...rows].map((row) =>
    row.map((cell, column) => cell.padEnd(widths[column])).join('  '),
  );
  return lines.join('\n');
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) {
    return String(value);
  }
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

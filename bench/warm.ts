import { join } from 'node:path';
import { ChildHandle } from './lib/child';
import { LoopbackCertificate } from './lib/jwks-server';
import { ResultEntry, compareToBaseline } from './lib/results';
import { summarize } from './lib/stats';
import type { WarmParams, WarmSeries } from './children/warm';

/** Name of the baseline subject; equal to `FLOOR_NAME` in the child, which is not imported here. */
export const FLOOR = 'node:crypto floor';

export interface WarmOptions {
  readonly certificate: LoopbackCertificate;
  readonly peers: Readonly<Record<string, string>>;
  readonly includeGatehouse: boolean;
  readonly rounds: number;
  readonly batch: number;
}

/**
 * Measures warm decisions of every handler in one child process, with keys already cached.
 * Returns decisions per second, p50 and p99 latency per algorithm, each with its ratio to the
 * node:crypto floor, and the JWKS requests made on the warm path.
 */
export async function runWarm(options: WarmOptions): Promise<ResultEntry[]> {
  const child = ChildHandle.start(join(__dirname, 'children', 'warm.ts'), {
    execArgv: ['--expose-gc'],
    env: { NODE_EXTRA_CA_CERTS: options.certificate.certFile },
  });
  let series: WarmSeries[];
  try {
    const params: WarmParams = options;
    series = await child.call<WarmSeries[]>('run', params, 300_000);
  } finally {
    await child.stop();
  }
  return warmEntries(series);
}

/** Turns per-round series into result entries; exported for the harness test. */
export function warmEntries(series: readonly WarmSeries[]): ResultEntry[] {
  const entries: ResultEntry[] = [];
  for (const algorithm of ['RS256', 'ES256']) {
    const ofAlgorithm = series.filter((item) => item.algorithm === algorithm);
    if (ofAlgorithm.length === 0) {
      continue;
    }
    const figures = [
      {
        label: 'decisions per second',
        unit: 'decisions/s',
        pick: (s: WarmSeries) => s.decisionsPerSecond,
      },
      { label: 'p50 latency', unit: 'us', pick: (s: WarmSeries) => s.p50Us },
      { label: 'p99 latency', unit: 'us', pick: (s: WarmSeries) => s.p99Us },
    ];
    for (const figure of figures) {
      const inputs = ofAlgorithm.map((item) => ({
        group: 'warm',
        name: `warm ${algorithm} ${figure.label}`,
        subject: item.subject,
        unit: figure.unit,
        summary: summarize(figure.pick(item)),
        ...(item.wrongDecisions > 0 ? { note: `${item.wrongDecisions} valid tokens denied` } : {}),
      }));
      entries.push(...compareToBaseline(inputs, FLOOR));
    }
    for (const item of ofAlgorithm.filter((entry) => entry.subject !== FLOOR)) {
      entries.push(
        ...compareToBaseline([
          {
            group: 'warm',
            name: `warm ${algorithm} JWKS requests while measuring`,
            subject: item.subject,
            unit: 'requests',
            summary: summarize([item.warmPathFetches]),
          },
        ]),
      );
    }
  }
  return entries;
}

import { join } from 'node:path';
import { ChildHandle } from './lib/child';
import { ResultEntry, compareToBaseline } from './lib/results';
import { summarize } from './lib/stats';
import type { HotPathParams, HotPathSeries } from './children/hot-paths';

export interface HotPathOptions extends HotPathParams {
  readonly includeGatehouse: boolean;
}

/** Path of the hot-path child, also started by the harness tests. */
export const HOT_PATH_CHILD = join(__dirname, 'children', 'hot-paths.ts');

/**
 * Times the subscription key check, the certificate rules and the token broker cache hit,
 * each against a baseline measured in the same child process, and returns p50 and p99
 * latency and decisions per second with ratios to that baseline.
 */
export async function runHotPaths(options: HotPathOptions): Promise<ResultEntry[]> {
  if (!options.includeGatehouse) {
    throw new Error('the hot-path benchmark needs our bundles; run npm run build:lambda');
  }
  const child = ChildHandle.start(HOT_PATH_CHILD, { execArgv: ['--expose-gc'] });
  let series: HotPathSeries[];
  try {
    const params: HotPathParams = {
      rounds: options.rounds,
      batch: options.batch,
      ioBatch: options.ioBatch,
      brokerBatch: options.brokerBatch,
    };
    await child.call('load', params, 180_000);
    series = await child.call<HotPathSeries[]>('measure', params, 300_000);
  } finally {
    await child.stop();
  }
  return hotPathEntries(series);
}

/** Turns per-round series into result entries; exported for the harness test. */
export function hotPathEntries(series: readonly HotPathSeries[]): ResultEntry[] {
  const entries: ResultEntry[] = [];
  const measurements = [...new Set(series.map((item) => item.measurement))];
  for (const measurement of measurements) {
    const ofMeasurement = series.filter((item) => item.measurement === measurement);
    const baseline = ofMeasurement[0].baseline;
    const figures = [
      { label: 'p50 latency', unit: 'us', pick: (s: HotPathSeries) => s.p50Us },
      {
        label: 'decisions per second',
        unit: 'decisions/s',
        pick: (s: HotPathSeries) => s.decisionsPerSecond,
      },
      { label: 'p99 latency', unit: 'us', pick: (s: HotPathSeries) => s.p99Us },
    ];
    for (const figure of figures) {
      const inputs = ofMeasurement.map((item) => ({
        group: 'hot-paths',
        name: `${measurement} ${figure.label}`,
        subject: item.subject,
        unit: figure.unit,
        summary: summarize(figure.pick(item)),
        ...(item.wrongDecisions > 0
          ? { note: `${item.wrongDecisions} valid requests denied` }
          : {}),
      }));
      entries.push(...compareToBaseline(inputs, baseline));
    }
    for (const item of ofMeasurement) {
      if (item.serviceRequests) {
        entries.push(
          ...compareToBaseline([
            {
              group: 'hot-paths',
              name: `${measurement} ${item.serviceRequests.service} requests per decision`,
              subject: item.subject,
              unit: 'requests',
              summary: summarize([item.serviceRequests.perDecision]),
            },
          ]),
        );
      }
    }
  }
  return entries;
}

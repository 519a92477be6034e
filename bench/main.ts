import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { runCold } from './cold';
import { runHotPaths } from './hot-paths';
import { runKeySet } from './key-set';
import { GATEHOUSE_BUNDLE, ROOT, buildPeers } from './lib/bundles';
import { makeLoopbackCertificate, removeLoopbackCertificate } from './lib/jwks-server';
import { ResultEntry, formatTable } from './lib/results';
import { runSynthScale } from './synth-scale';
import { TargetVerdict, evaluateTargets } from './targets';
import { runWarm } from './warm';

/** Every benchmark, in the order the run takes them. */
export const BENCHMARKS = ['warm', 'hot-paths', 'cold', 'key-set', 'synth'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

/** How much work each benchmark does; `--quick` is a smoke run whose figures mean little. */
const SETTINGS = {
  full: {
    warm: { rounds: 10, batch: 400 },
    hotPaths: { rounds: 10, batch: 400, ioBatch: 100, brokerBatch: 2000 },
    cold: { processes: 15 },
    keySet: {
      floodMs: 15_000,
      floodPerSecond: 100,
      publishDuringFloodAfterMs: 5000,
      acceptWithinMs: 40_000,
      outage: { maxAgeSeconds: 2, maxStaleSeconds: 4 },
    },
    synth: { sizes: [1, 10, 50, 100], operationsPerApi: 10, repeats: 3 },
  },
  quick: {
    warm: { rounds: 3, batch: 200 },
    hotPaths: { rounds: 3, batch: 100, ioBatch: 30, brokerBatch: 200 },
    cold: { processes: 3 },
    keySet: {
      floodMs: 4000,
      floodPerSecond: 50,
      publishDuringFloodAfterMs: 1000,
      acceptWithinMs: 8000,
      outage: { maxAgeSeconds: 2, maxStaleSeconds: 4 },
    },
    synth: { sizes: [1, 2], operationsPerApi: 10, repeats: 1 },
  },
};

/** The file `npm run bench` writes. */
export interface ResultsFile {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly mode: 'full' | 'quick';
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly node: string;
    /** 1-minute load average before and after the run; other work on the machine skews figures. */
    readonly loadAverageBefore: number;
    readonly loadAverageAfter: number;
  };
  readonly gatehouseBundle: string | null;
  readonly entries: readonly ResultEntry[];
  readonly targets: readonly TargetVerdict[];
  /** Benchmarks that failed, with their error; their entries are missing. */
  readonly failures: readonly { readonly benchmark: string; readonly error: string }[];
}

/** Runs the benchmarks named on the command line (all by default) and writes the results. */
export async function main(argv: readonly string[]): Promise<void> {
  const mode = argv.includes('--quick') ? 'quick' : 'full';
  const only = argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const selected = BENCHMARKS.filter((name) => !only || only.includes(name));
  const settings = SETTINGS[mode];
  const started = Date.now();
  const loadAverageBefore = loadavg()[0];

  const includeGatehouse = existsSync(GATEHOUSE_BUNDLE);
  if (!includeGatehouse) {
    console.warn(
      `${GATEHOUSE_BUNDLE} is missing, so only the peers are measured; run npm run build:lambda`,
    );
  }
  const peers = await buildPeers();
  const certificate = makeLoopbackCertificate();
  const entries: ResultEntry[] = [];
  const failures: { benchmark: string; error: string }[] = [];
  const common = { certificate, peers, includeGatehouse };
  const runners: Record<Benchmark, () => Promise<ResultEntry[]>> = {
    warm: () => runWarm({ ...common, ...settings.warm }),
    'hot-paths': () => runHotPaths({ ...common, ...settings.hotPaths }),
    cold: () => runCold({ ...common, ...settings.cold }),
    'key-set': () => runKeySet({ ...common, ...settings.keySet }),
    synth: () => runSynthScale(settings.synth),
  };
  try {
    for (const name of selected) {
      const benchmarkStarted = Date.now();
      try {
        const results = await runners[name]();
        entries.push(...results);
        console.log(`\n== ${name} (${((Date.now() - benchmarkStarted) / 1000).toFixed(0)} s)`);
        console.log(formatTable(results));
      } catch (error) {
        // One failed benchmark must not discard the others; the failure is kept in the file.
        failures.push({
          benchmark: name,
          error: error instanceof Error ? error.message : String(error),
        });
        console.error(`\n== ${name} failed: ${failures[failures.length - 1].error}`);
      }
    }
  } finally {
    removeLoopbackCertificate(certificate);
  }

  const targets = evaluateTargets(entries);
  console.log('\n== targets');
  for (const verdict of targets) {
    let mark = 'n/a ';
    if (verdict.met !== null) {
      mark = verdict.met ? 'met ' : 'MISS';
    }
    console.log(`${mark}  ${verdict.target}: ${verdict.detail}`);
  }

  const results: ResultsFile = {
    startedAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    mode,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverageBefore,
      loadAverageAfter: loadavg()[0],
    },
    gatehouseBundle: includeGatehouse ? bundleLabel() : null,
    entries,
    targets,
    failures,
  };
  // A quick or partial run goes to its own ignored file, so it never replaces the recorded
  // full run that BENCHMARKS.md quotes.
  const partial = mode === 'quick' || selected.length < BENCHMARKS.length;
  const file = join(ROOT, 'bench', partial ? 'results.partial.json' : 'results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${file} in ${results.durationSeconds} s`);
  if (failures.length > 0) {
    process.exitCode = 1;
  }
}

function bundleLabel(): string {
  const size = readFileSync(GATEHOUSE_BUNDLE).length;
  return `dist/bundles/authorizer/index.js (${size} bytes)`;
}

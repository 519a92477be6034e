import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleSize, gatehouseCapabilityFiles, peerEnv, stageGatehouse } from './lib/bundles';
import { requestEvent } from './lib/events';
import { gatehouseConfig } from './lib/gatehouse-config';
import { jwksPath } from './lib/handlers';
import { JwksServer, LoopbackCertificate } from './lib/jwks-server';
import { EntryInput, ResultEntry, compareToBaseline } from './lib/results';
import { summarize } from './lib/stats';
import { generateSigningKey, signToken } from './lib/tokens';

/** Baseline of the cold-start figures: our authorizer should start faster than this handler. */
export const COLD_BASELINE = 'aws-jwt-verify';

/**
 * Subject of the size rows that add up every capability file beside our core bundle. The
 * `gatehouse` rows measure the core alone, which is all a JWT-only gateway loads.
 */
export const CAPABILITY_FILES_SUBJECT = 'gatehouse capability files (total)';

export interface ColdOptions {
  readonly certificate: LoopbackCertificate;
  readonly peers: Readonly<Record<string, string>>;
  readonly includeGatehouse: boolean;
  /** Fresh processes per handler. */
  readonly processes: number;
}

interface ColdSubject {
  readonly name: string;
  readonly bundle: string;
  readonly env: Record<string, string>;
}

interface ColdSample {
  readonly loadMs: number;
  readonly firstDecisionMs: number;
  /**
   * User plus system CPU time of the child over the same span as `firstDecisionMs`. On a
   * 2-core machine shared with other jobs, it varied much less between runs than the
   * elapsed time did.
   */
  readonly firstDecisionCpuMs: number;
  /** From `fork()` to the child's report, including Node.js start-up. */
  readonly processMs: number;
  readonly allowed: boolean;
}

const CHILD = join(__dirname, 'children', 'cold.cjs');

/**
 * Measures each handler's bundle size, the time to require it in a fresh process, and the
 * time to its first decision there, which includes fetching the JWKS over TLS from
 * 127.0.0.1. Processes of different handlers alternate.
 */
export async function runCold(options: ColdOptions): Promise<ResultEntry[]> {
  const server = new JwksServer(options.certificate);
  await server.start();
  const stagingDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-cold-'));
  try {
    const key = generateSigningKey('RS256');
    const subjects = prepareSubjects(options, server, [key.jwk], stagingDir);
    const samples = new Map<string, ColdSample[]>(subjects.map((subject) => [subject.name, []]));
    for (let run = 0; run < options.processes; run++) {
      for (const subject of rotate(subjects, run)) {
        const event = requestEvent(signToken(key));
        samples.get(subject.name)?.push(await runOnce(subject, event, options.certificate));
      }
    }
    const capabilityFiles = options.includeGatehouse ? gatehouseCapabilityFiles() : [];
    return coldEntries(subjects, samples, capabilityFiles);
  } finally {
    await server.stop();
    rmSync(stagingDir, { recursive: true, force: true });
  }
}

function prepareSubjects(
  options: ColdOptions,
  server: JwksServer,
  jwks: readonly Record<string, unknown>[],
  stagingDir: string,
): ColdSubject[] {
  const subjects: ColdSubject[] = [];
  if (options.includeGatehouse) {
    const path = jwksPath('gatehouse');
    server.setKeys(path, jwks);
    subjects.push({
      name: 'gatehouse',
      bundle: stageGatehouse(stagingDir, gatehouseConfig(server.url(path))),
      env: {},
    });
  }
  for (const [peer, bundle] of Object.entries(options.peers)) {
    const path = jwksPath(peer);
    server.setKeys(path, jwks);
    subjects.push({ name: peer, bundle, env: peerEnv(server.url(path)) });
  }
  return subjects;
}

/**
 * Runs one fresh process and resolves after it has exited, so its teardown does not overlap
 * the next subject's start. Without that wait, a subject that follows a heavy one (such as
 * jose) shares the 2 cores with that process's exit.
 */
function runOnce(
  subject: ColdSubject,
  event: Record<string, unknown>,
  certificate: LoopbackCertificate,
): Promise<ColdSample> {
  const started = process.hrtime.bigint();
  const child = fork(CHILD, [], {
    execArgv: [],
    env: { ...process.env, ...subject.env, NODE_EXTRA_CA_CERTS: certificate.certFile },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise<ColdSample>((resolve, reject) => {
    let sample: ColdSample | undefined;
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${subject.name} did not decide and exit within 30 s in a fresh process`));
    }, 30_000);
    child.once('message', (report: Omit<ColdSample, 'processMs'>) => {
      sample = { ...report, processMs: Number(process.hrtime.bigint() - started) / 1e6 };
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (sample === undefined) {
        reject(
          new Error(`${subject.name} cold-start child exited with code ${code} before reporting`),
        );
        return;
      }
      resolve(sample);
    });
    child.send({ bundle: subject.bundle, event });
  });
}

function coldEntries(
  subjects: readonly ColdSubject[],
  samples: ReadonlyMap<string, readonly ColdSample[]>,
  capabilityFiles: readonly string[],
): ResultEntry[] {
  const figure = (
    name: string,
    unit: string,
    pick: (subject: ColdSubject) => number[],
    extra: readonly EntryInput[] = [],
  ) =>
    compareToBaseline(
      [
        ...subjects.map((subject): EntryInput => {
          const denied = (samples.get(subject.name) ?? []).filter(
            (sample) => !sample.allowed,
          ).length;
          return {
            group: 'cold',
            name,
            subject: subject.name,
            unit,
            summary: summarize(pick(subject)),
            ...(denied > 0 ? { note: `${denied} first decisions denied a valid token` } : {}),
          };
        }),
        ...extra,
      ],
      COLD_BASELINE,
    );
  const values = (subject: ColdSubject, key: keyof Omit<ColdSample, 'allowed'>) =>
    (samples.get(subject.name) ?? []).map((sample) => sample[key]);

  // Each capability file is compressed on its own, as each is a file of the asset.
  const capabilitySizes = capabilityFiles.map(bundleSize);
  const capabilityTotal = (name: string, pick: (size: ReturnType<typeof bundleSize>) => number) =>
    capabilityFiles.length === 0
      ? []
      : [
          {
            group: 'cold',
            name,
            subject: CAPABILITY_FILES_SUBJECT,
            unit: 'bytes',
            summary: summarize([capabilitySizes.reduce((sum, size) => sum + pick(size), 0)]),
            note: `${capabilityFiles.length} files, loaded only by configs that use them`,
          },
        ];

  return [
    ...figure(
      'bundle size',
      'bytes',
      (subject) => [bundleSize(subject.bundle).bytes],
      capabilityTotal('bundle size', (size) => size.bytes),
    ),
    ...figure(
      'bundle size, gzip',
      'bytes',
      (subject) => [bundleSize(subject.bundle).gzipBytes],
      capabilityTotal('bundle size, gzip', (size) => size.gzipBytes),
    ),
    ...figure('cold load (require)', 'ms', (subject) => values(subject, 'loadMs')),
    ...figure('cold first decision (load + JWKS fetch + verify)', 'ms', (subject) =>
      values(subject, 'firstDecisionMs'),
    ),
    ...figure('cold first decision, CPU time (user + system)', 'ms', (subject) =>
      values(subject, 'firstDecisionCpuMs'),
    ),
    ...figure('cold process to first decision (incl. node start)', 'ms', (subject) =>
      values(subject, 'processMs'),
    ),
  ];
}

/**
 * Returns the order of run `by`: the list rotated by `by`, and reversed on every other lap
 * through the list, so each subject follows different subjects over the runs.
 */
function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  const rotated = [...items.slice(shift), ...items.slice(0, shift)];
  return Math.floor(by / items.length) % 2 === 1 ? rotated.reverse() : rotated;
}

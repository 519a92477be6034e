import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChildHandle } from './lib/child';
import { jwksPath } from './lib/handlers';
import { JwksServer, LoopbackCertificate } from './lib/jwks-server';
import { ResultEntry, compareToBaseline } from './lib/results';
import { maxInWindow, summarize } from './lib/stats';
import { SigningKey, generateSigningKey, signToken } from './lib/tokens';
import type { KeySetLoadParams, MemorySample } from './children/key-set';

export interface KeySetOptions {
  readonly certificate: LoopbackCertificate;
  readonly peers: Readonly<Record<string, string>>;
  readonly includeGatehouse: boolean;
  /** Length of the flood of tokens with random key ids. */
  readonly floodMs: number;
  /** Tokens with random key ids sent per second during the flood. */
  readonly floodPerSecond: number;
  /** When, after the flood starts, a new key is published. */
  readonly publishDuringFloodAfterMs: number;
  /** Maximum wait for a newly published key to be accepted. */
  readonly acceptWithinMs: number;
}

/** Behaviour of one handler under key rotation and a flood of unknown key ids. */
export interface KeySetReport {
  readonly subject: string;
  /** From publishing a new key, right after the first fetch, to its first accepted token. */
  readonly quietRotationMs: number | null;
  /** From publishing a new key during the flood to its first accepted token. */
  readonly floodRotationMs: number | null;
  readonly floodTokens: number;
  readonly floodFetches: number;
  /** Largest number of JWKS requests in any 5 s window of the flood. */
  readonly floodFetchesPer5s: number;
  /** Shortest time between two JWKS requests during the flood, as the server saw them. */
  readonly floodShortestGapMs: number | null;
  /** Heap plus external memory after the flood minus before it, after garbage collection. */
  readonly heapGrowthBytes: number;
  /** The same growth over the second half of the flood only; near zero when memory is bounded. */
  readonly heapGrowthSecondHalfBytes: number;
  readonly rssGrowthBytes: number;
  /** Whether a token of the first key was still accepted after the flood. */
  readonly firstKeyAcceptedAfterFlood: boolean;
  /** Maximum wait for a new key, reported in place of a key that was never accepted. */
  readonly acceptWithinMs: number;
}

const POLL_MS = 100;
const WINDOW_MS = 5000;

/**
 * Runs every handler in its own child process, all at once, each with its own JWKS path.
 * Each first gets a new key published right after its first fetch. Then comes a flood of
 * tokens with random key ids, during which another key is published. The wait times are wall-clock times bounded
 * by `acceptWithinMs`, so handlers run side by side to keep the whole run short.
 */
// NOTE: the outage target (last good keys keep working while the JWKS fails) is not measured
// here, because it needs a key-cache maxAge below the construct's 60 s minimum.
export async function runKeySet(options: KeySetOptions): Promise<ResultEntry[]> {
  const server = new JwksServer(options.certificate);
  await server.start();
  try {
    const subjects: { name: string; load: Omit<KeySetLoadParams, 'jwksUrl'> }[] = [];
    if (options.includeGatehouse) {
      subjects.push({ name: 'gatehouse', load: {} });
    }
    for (const [peer, bundle] of Object.entries(options.peers)) {
      subjects.push({ name: peer, load: { peerBundle: bundle } });
    }
    const reports = await Promise.all(
      subjects.map((subject) => runSubject(subject.name, subject.load, server, options)),
    );
    return keySetEntries(reports);
  } finally {
    await server.stop();
  }
}

async function runSubject(
  subject: string,
  load: Omit<KeySetLoadParams, 'jwksUrl'>,
  server: JwksServer,
  options: KeySetOptions,
): Promise<KeySetReport> {
  const path = jwksPath(`key-set-${subject}`);
  const [first, second, third] = ['first', 'second', 'third'].map((name) =>
    generateSigningKey('ES256', `${subject}-${name}`),
  );
  const attacker = generateSigningKey('ES256');
  server.setKeys(path, [first.jwk]);

  const child = ChildHandle.start(join(__dirname, 'children', 'key-set.ts'), {
    execArgv: ['--expose-gc'],
    env: { NODE_EXTRA_CA_CERTS: options.certificate.certFile },
  });
  try {
    await child.call('load', { ...load, jwksUrl: server.url(path) });
    const decide = (token: string) => child.call<boolean>('decide', { token });
    if (!(await decide(signToken(first)))) {
      throw new Error(`${subject} did not accept a token of its only key`);
    }

    server.setKeys(path, [first.jwk, second.jwk]);
    const quietRotationMs = await timeUntilAccepted(decide, second, options.acceptWithinMs);

    const memory = () => child.call<MemorySample>('memory');
    const before = await memory();
    const flood = await runFlood(decide, attacker, options, memory, async () => {
      server.setKeys(path, [first.jwk, second.jwk, third.jwk]);
      return timeUntilAccepted(decide, third, options.acceptWithinMs);
    });
    const fetchTimes = server
      .fetchTimes(path)
      .filter((time) => time >= flood.startedAt && time <= flood.endedAt);
    const after = await memory();
    const heapOf = (sample: MemorySample) => sample.heapUsedBytes + sample.externalBytes;

    return {
      subject,
      quietRotationMs,
      floodRotationMs: flood.rotationMs,
      floodTokens: flood.tokens,
      floodFetches: fetchTimes.length,
      floodFetchesPer5s: fetchTimes.length === 0 ? 0 : maxInWindow(fetchTimes, WINDOW_MS),
      floodShortestGapMs: shortestGap(fetchTimes),
      heapGrowthBytes: heapOf(after) - heapOf(before),
      heapGrowthSecondHalfBytes: heapOf(after) - heapOf(flood.midpoint),
      rssGrowthBytes: after.rssBytes - before.rssBytes,
      firstKeyAcceptedAfterFlood: await decide(signToken(first)),
      acceptWithinMs: options.acceptWithinMs,
    };
  } finally {
    await child.stop();
  }
}

/** Returns the shortest time between consecutive timestamps, or null with fewer than two. */
export function shortestGap(timesMs: readonly number[]): number | null {
  const sorted = [...timesMs].sort((a, b) => a - b);
  let shortest: number | null = null;
  for (let index = 1; index < sorted.length; index++) {
    const gap = sorted[index] - sorted[index - 1];
    shortest = shortest === null ? gap : Math.min(shortest, gap);
  }
  return shortest;
}

/** Sends a token of `key` every 100 ms until one is accepted; null when none was in time. */
async function timeUntilAccepted(
  decide: (token: string) => Promise<boolean>,
  key: SigningKey,
  withinMs: number,
): Promise<number | null> {
  const published = Date.now();
  while (Date.now() - published < withinMs) {
    if (await decide(signToken(key))) {
      return Date.now() - published;
    }
    await sleep(POLL_MS);
  }
  return null;
}

/**
 * Sends tokens with random key ids at a steady rate for `floodMs`, and meanwhile runs
 * `rotate` after `publishDuringFloodAfterMs`. The flood lasts until both are done. Memory
 * is sampled once half of `floodMs` has passed.
 */
async function runFlood(
  decide: (token: string) => Promise<boolean>,
  attacker: SigningKey,
  options: KeySetOptions,
  memory: () => Promise<MemorySample>,
  rotate: () => Promise<number | null>,
) {
  const startedAt = Date.now();
  let rotationDone = false;
  const rotation = sleep(options.publishDuringFloodAfterMs)
    .then(rotate)
    .finally(() => {
      rotationDone = true;
    });

  const intervalMs = 1000 / options.floodPerSecond;
  const inFlight = new Set<Promise<boolean>>();
  let tokens = 0;
  let midpoint: MemorySample | undefined;
  while (Date.now() - startedAt < options.floodMs || !rotationDone) {
    if (!midpoint && Date.now() - startedAt >= options.floodMs / 2) {
      midpoint = await memory();
    }
    const token = signToken(attacker, { header: { kid: randomUUID() } });
    const decision = decide(token).finally(() => inFlight.delete(decision));
    inFlight.add(decision);
    tokens++;
    await sleep(intervalMs);
  }
  if ((await Promise.all(inFlight)).some((allowed) => allowed)) {
    throw new Error('a token with a random key id was accepted');
  }
  return {
    startedAt,
    endedAt: Date.now(),
    tokens,
    rotationMs: await rotation,
    midpoint: midpoint ?? (await memory()),
  };
}

/** Turns reports into result entries; a key never accepted in time is recorded as the bound. */
export function keySetEntries(reports: readonly KeySetReport[]): ResultEntry[] {
  const figure = (
    name: string,
    unit: string,
    pick: (report: KeySetReport) => number,
    note?: (report: KeySetReport) => string | undefined,
  ) =>
    compareToBaseline(
      reports.map((report) => {
        const text = note?.(report);
        return {
          group: 'key-set',
          name,
          subject: report.subject,
          unit,
          summary: summarize([pick(report)]),
          ...(text ? { note: text } : {}),
        };
      }),
    );
  const notAccepted = (value: number | null) =>
    value === null ? 'not accepted before the bound; the value shown is the bound' : undefined;

  return [
    ...figure(
      'new key accepted after publication (quiet)',
      'ms',
      (r) => r.quietRotationMs ?? r.acceptWithinMs,
      (r) => notAccepted(r.quietRotationMs),
    ),
    ...figure(
      'new key accepted after publication (during flood)',
      'ms',
      (r) => r.floodRotationMs ?? r.acceptWithinMs,
      (r) => notAccepted(r.floodRotationMs),
    ),
    ...figure('flood tokens with random key ids', 'tokens', (r) => r.floodTokens),
    ...figure('JWKS requests during flood', 'requests', (r) => r.floodFetches),
    ...figure('JWKS requests in any 5 s of flood (max)', 'requests', (r) => r.floodFetchesPer5s),
    ...figure(
      'shortest gap between JWKS requests during flood',
      'ms',
      (r) => r.floodShortestGapMs ?? r.acceptWithinMs,
      (r) =>
        r.floodShortestGapMs === null
          ? 'fewer than two requests; the value shown is the bound'
          : undefined,
    ),
    ...figure('heap + external growth over flood', 'bytes', (r) => r.heapGrowthBytes),
    ...figure(
      'heap + external growth, second half of flood',
      'bytes',
      (r) => r.heapGrowthSecondHalfBytes,
    ),
    ...figure('rss growth over flood', 'bytes', (r) => r.rssGrowthBytes),
    ...figure('first key still accepted after flood', 'boolean', (r) =>
      r.firstKeyAcceptedAfterFlood ? 1 : 0,
    ),
  ];
}

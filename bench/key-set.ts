import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChildHandle } from './lib/child';
import { jwksPath } from './lib/handlers';
import { JwksServer, LoopbackCertificate } from './lib/jwks-server';
import { ResultEntry, compareToBaseline } from './lib/results';
import { maxInWindow, summarize } from './lib/stats';
import { SigningKey, generateSigningKey, signToken } from './lib/tokens';
import type { KeySetLoadParams, KeySetLoadResult, MemorySample } from './children/key-set';
import type { OutageWindow } from './lib/outage-peers';

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
  /**
   * Key-cache limits of the outage scenario. The benchmark writes them into its own config,
   * so they may be far below the `JwtValidator` construct's minimums.
   */
  readonly outage: OutageWindow;
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
 * tokens with random key ids, during which another key is published. Last, each handler is
 * loaded again with short key-cache limits and its JWKS server is stopped, to see how long
 * a known key keeps working. The wait times are wall-clock times, so handlers run side by
 * side to keep the whole run short.
 */
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
    const outages = await Promise.all(
      subjects.map((subject) => runOutage(subject.name, subject.load, options)),
    );
    return [...keySetEntries(reports), ...outageEntries(outages)];
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

/** Behaviour of one handler while its JWKS server was down; times are after the last good fetch. */
export interface OutageReport {
  readonly subject: string;
  /** The key-cache setting the subject ran with, or why it has none to set. */
  readonly setting: string;
  /** False when the subject has no setting equivalent to the configured window. */
  readonly comparable: boolean;
  /** `maxAgeSeconds + maxStaleSeconds` in ms: how long keys should outlive their last fetch. */
  readonly windowMs: number;
  /** The last accepted probe before the first rejection; null when the first probe was rejected. */
  readonly lastAcceptedMs: number | null;
  /** The first rejected probe; null when every probe until the bound was accepted. */
  readonly firstRejectedMs: number | null;
  /** Probes accepted after the first rejection; any is a key set that flaps. */
  readonly acceptedAfterRejection: number;
  /** Whether a token accepted before the outage was accepted again at the bound. */
  readonly earlierTokenAcceptedAtBound: boolean;
  /** When probing stopped, in ms after the last good fetch. */
  readonly boundMs: number;
}

/** Time between probes of the outage scenario. */
export const OUTAGE_PROBE_MS = 200;
/** How long probing goes on past the window, so a late rejection is still seen. */
const OUTAGE_PROBE_PAST_WINDOW_MS = 3000;

/**
 * Loads the handler with the short outage window and its own JWKS server. It sends tokens of
 * the published key while the server is up for `maxAgeSeconds` plus 1 s, so a handler that
 * refreshes does so once. Then it stops the server and sends a new token of the same key
 * every 200 ms until 3 s past the window.
 */
// NOTE: the outage is a closed port, so every fetch fails at once. A JWKS server that hangs
// would also hold each request past the window for up to `fetchTimeoutMs`; no scenario covers it.
export async function runOutage(
  subject: string,
  load: Omit<KeySetLoadParams, 'jwksUrl'>,
  options: KeySetOptions,
): Promise<OutageReport> {
  if (options.outage.maxStaleSeconds < 2) {
    // Serving lasts maxAgeSeconds + 1 s, and jose's one limit is the whole window, so a
    // shorter stale time would end jose's window before the outage starts.
    throw new Error(
      `outage maxStaleSeconds is ${options.outage.maxStaleSeconds}; use 2 or more so the window outlasts the serving phase`,
    );
  }
  const server = new JwksServer(options.certificate);
  await server.start();
  const path = jwksPath(`outage-${subject}`);
  const key = generateSigningKey('ES256', `${subject}-outage`);
  server.setKeys(path, [key.jwk]);
  const child = ChildHandle.start(join(__dirname, 'children', 'key-set.ts'), {
    env: { NODE_EXTRA_CA_CERTS: options.certificate.certFile },
  });
  try {
    const outage = { ...options.outage, peer: load.peerBundle ? subject : undefined };
    const loaded = await child.call<KeySetLoadResult>('load', {
      ...load,
      jwksUrl: server.url(path),
      outage,
    });
    const decide = (token: string) => child.call<boolean>('decide', { token });
    const earlierToken = signToken(key);
    if (!(await decide(earlierToken))) {
      throw new Error(`${subject} did not accept a token of its only key before the outage`);
    }
    const servingUntil = Date.now() + options.outage.maxAgeSeconds * 1000 + 1000;
    while (Date.now() < servingUntil) {
      if (!(await decide(signToken(key)))) {
        throw new Error(
          `${subject} rejected a valid token of its only key while the JWKS was served`,
        );
      }
      await sleep(OUTAGE_PROBE_MS);
    }
    // Let a refresh that the last request started finish before the server goes away.
    await sleep(OUTAGE_PROBE_MS);
    await server.stop();
    const lastFetch = Math.max(...server.fetchTimes(path));

    const windowMs = (options.outage.maxAgeSeconds + options.outage.maxStaleSeconds) * 1000;
    const boundMs = windowMs + OUTAGE_PROBE_PAST_WINDOW_MS;
    const probes: { atMs: number; accepted: boolean }[] = [];
    while (Date.now() - lastFetch < boundMs) {
      const atMs = Date.now() - lastFetch;
      probes.push({ atMs, accepted: await decide(signToken(key)) });
      await sleep(OUTAGE_PROBE_MS);
    }
    return {
      subject,
      setting: loaded.setting,
      comparable: loaded.comparable,
      windowMs,
      ...summarizeProbes(probes),
      earlierTokenAcceptedAtBound: await decide(earlierToken),
      boundMs,
    };
  } finally {
    await child.stop();
    await server.stop();
  }
}

/** Finds the last acceptance before the first rejection, and counts acceptances after it. */
export function summarizeProbes(
  probes: readonly { readonly atMs: number; readonly accepted: boolean }[],
): Pick<OutageReport, 'lastAcceptedMs' | 'firstRejectedMs' | 'acceptedAfterRejection'> {
  const rejection = probes.findIndex((probe) => !probe.accepted);
  const before = rejection === -1 ? probes : probes.slice(0, rejection);
  return {
    lastAcceptedMs: before.length > 0 ? before[before.length - 1].atMs : null,
    firstRejectedMs: rejection === -1 ? null : probes[rejection].atMs,
    acceptedAfterRejection:
      rejection === -1 ? 0 : probes.slice(rejection).filter((probe) => probe.accepted).length,
  };
}

/** Turns outage reports into result entries; a missing time is recorded as 0 or the bound. */
export function outageEntries(reports: readonly OutageReport[]): ResultEntry[] {
  const entry = (
    name: string,
    unit: string,
    report: OutageReport,
    value: number,
    note?: string,
  ): ResultEntry => {
    const notes = [note, report.setting].filter((text) => text !== undefined).join('; ');
    return compareToBaseline([
      {
        group: 'key-set',
        name,
        subject: report.subject,
        unit,
        summary: summarize([value]),
        note: notes,
      },
    ])[0];
  };
  const entries: ResultEntry[] = [];
  for (const report of reports) {
    entries.push(
      entry('outage: usable window configured', 'ms', report, report.windowMs),
      entry(
        'outage: last token accepted after the last good fetch',
        'ms',
        report,
        report.lastAcceptedMs ?? 0,
        report.lastAcceptedMs === null ? 'the first probe was rejected' : undefined,
      ),
      entry(
        'outage: first token rejected after the last good fetch',
        'ms',
        report,
        report.firstRejectedMs ?? report.boundMs,
        report.firstRejectedMs === null
          ? 'never rejected before the bound; the value shown is the bound'
          : undefined,
      ),
      entry(
        'outage: tokens accepted after the first rejection',
        'tokens',
        report,
        report.acceptedAfterRejection,
      ),
      entry(
        'outage: token accepted before the outage, accepted again at the bound',
        'boolean',
        report,
        report.earlierTokenAcceptedAtBound ? 1 : 0,
      ),
    );
  }
  return entries;
}

/**
 * Warm-decision child: serves the JWKS itself, loads every handler once, warms each up, then
 * times batches of decisions, alternating the order of subjects every round.
 *
 * Each subject gets every measured token once, because our authorizer remembers tokens it
 * has verified and would otherwise skip the signature check that this benchmark is about.
 * One extra subject repeats a few tokens to measure that cache hit on its own.
 */
import { JsonWebKey, createPublicKey, verify } from 'node:crypto';
import { serveCalls } from '../lib/child';
import { requestEvent } from '../lib/events';
import { gatehouseConfig } from '../lib/gatehouse-config';
import { Handler, decide, jwksPath, loadGatehouse, loadPeer } from '../lib/handlers';
import { JwksServer, LoopbackCertificate } from '../lib/jwks-server';
import { timeBatch } from '../lib/timing';
import { BenchAlgorithm, SigningKey, generateSigningKey, signToken } from '../lib/tokens';

/** Name of the baseline subject in every warm result. */
export const FLOOR_NAME = 'node:crypto floor';
/** Subject that sends the same few tokens again and again. */
export const REPEATED_TOKEN_NAME = 'gatehouse, repeated token';

export interface WarmParams {
  readonly certificate: LoopbackCertificate;
  readonly peers: Readonly<Record<string, string>>;
  readonly includeGatehouse: boolean;
  readonly rounds: number;
  readonly batch: number;
}

/** Per-round figures of one subject for one algorithm. */
export interface WarmSeries {
  readonly algorithm: BenchAlgorithm;
  readonly subject: string;
  readonly decisionsPerSecond: number[];
  readonly p50Us: number[];
  readonly p99Us: number[];
  /** Decisions that did not allow a valid token; any is a broken comparison. */
  readonly wrongDecisions: number;
  /** JWKS requests made between the end of warm-up and the end of measuring. */
  readonly warmPathFetches: number;
}

interface Subject {
  readonly name: string;
  readonly path: string;
  /** Decides the request at `index` of the measured events; `warmUp` picks the warm-up set. */
  readonly run: (algorithm: BenchAlgorithm, index: number, warmUp?: boolean) => Promise<boolean>;
  /** Runs before and after each batch, for example to mute the decision log line. */
  readonly around?: { before(): void; after(): void };
}

/** Tokens and events of one algorithm, all signed by one key and all different. */
interface TokenPool {
  readonly key: SigningKey;
  readonly tokens: readonly string[];
  readonly events: readonly Record<string, unknown>[];
  readonly warmUpEvents: readonly Record<string, unknown>[];
}

const GATEHOUSE = 'gatehouse';
const ALGORITHMS = ['RS256', 'ES256'] as const;
const WARM_UP_DECISIONS = 200;
/** Tokens the repeated-token subject cycles through; far below our cache's 1000 entries. */
const REPEATED_TOKENS = 64;

async function runWarm(params: WarmParams): Promise<WarmSeries[]> {
  const server = new JwksServer(params.certificate);
  await server.start();
  try {
    const pools = {} as Record<BenchAlgorithm, TokenPool>;
    for (const algorithm of ALGORITHMS) {
      pools[algorithm] = makePool(algorithm, params.rounds * params.batch);
    }
    const subjects = loadSubjects(pools, server, params);
    const series: WarmSeries[] = [];
    for (const algorithm of ALGORITHMS) {
      series.push(...(await measureAlgorithm(algorithm, subjects, server, params)));
    }
    return series;
  } finally {
    await server.stop();
  }
}

function makePool(algorithm: BenchAlgorithm, size: number): TokenPool {
  const key = generateSigningKey(algorithm);
  const tokens = Array.from({ length: size }, () => signToken(key));
  const warmUp = Array.from({ length: WARM_UP_DECISIONS }, () => signToken(key));
  return {
    key,
    tokens,
    events: tokens.map((token) => requestEvent(token)),
    warmUpEvents: warmUp.map((token) => requestEvent(token)),
  };
}

async function measureAlgorithm(
  algorithm: BenchAlgorithm,
  subjects: readonly Subject[],
  server: JwksServer,
  params: WarmParams,
): Promise<WarmSeries[]> {
  // Warm-up: the first decision fetches the JWKS, the rest let the JIT settle.
  for (const subject of subjects) {
    for (let index = 0; index < WARM_UP_DECISIONS; index++) {
      if (!(await subject.run(algorithm, index, true))) {
        throw new Error(`${subject.name} did not allow a valid ${algorithm} token during warm-up`);
      }
    }
  }
  const fetchesBefore = subjects.map((subject) => server.fetchCount(subject.path));

  const results = subjects.map((subject) => ({
    subject: subject.name,
    decisionsPerSecond: [] as number[],
    p50Us: [] as number[],
    p99Us: [] as number[],
    wrongDecisions: 0,
  }));
  for (let round = 0; round < params.rounds; round++) {
    for (let offset = 0; offset < subjects.length; offset++) {
      const index = (round + offset) % subjects.length;
      const first = round * params.batch;
      const subject = subjects[index];
      const batch = await timeBatch(
        (at) => subject.run(algorithm, at),
        first,
        params.batch,
        subject.around,
      );
      const result = results[index];
      result.decisionsPerSecond.push(batch.decisionsPerSecond);
      result.p50Us.push(batch.p50Us);
      result.p99Us.push(batch.p99Us);
      result.wrongDecisions += batch.wrongDecisions;
    }
  }

  return results.map((result, index) => ({
    algorithm,
    ...result,
    warmPathFetches: server.fetchCount(subjects[index].path) - fetchesBefore[index],
  }));
}

/**
 * Loads every subject once; each JWKS path publishes the keys of both algorithms. Every
 * variant of our authorizer is its own copy of the bundle, so no two share a token cache.
 */
function loadSubjects(
  pools: Record<BenchAlgorithm, TokenPool>,
  server: JwksServer,
  params: WarmParams,
): Subject[] {
  const jwks = ALGORITHMS.map((algorithm) => pools[algorithm].key.jwk);
  const publish = (name: string) => {
    const path = jwksPath(name);
    server.setKeys(path, jwks);
    return path;
  };
  const viaHandler = (name: string, handler: Handler, pick = (index: number) => index) => {
    const path = publish(name.replace(/[^a-z0-9-]+/g, '-'));
    return {
      name,
      path,
      handler,
      run: (algorithm: BenchAlgorithm, index: number, warmUp = false) => {
        const pool = pools[algorithm];
        return decide(handler, warmUp ? pool.warmUpEvents[index] : pool.events[pick(index)]);
      },
    };
  };
  const subjects: Subject[] = [floorSubject(pools)];

  if (params.includeGatehouse) {
    const load = (name: string, operations = 1) => {
      const path = publish(name.replace(/[^a-z0-9-]+/g, '-'));
      return loadGatehouse(gatehouseConfig(server.url(path), operations));
    };
    subjects.push(viaHandler(GATEHOUSE, load(GATEHOUSE)));
    const muted = `${GATEHOUSE}, log line muted`;
    subjects.push({ ...viaHandler(muted, load(muted)), around: muteLog() });
    const ten = `${GATEHOUSE}, 10 operations`;
    subjects.push(viaHandler(ten, load(ten, 10)));
    subjects.push(
      viaHandler(
        REPEATED_TOKEN_NAME,
        load(REPEATED_TOKEN_NAME),
        (index) => index % REPEATED_TOKENS,
      ),
    );
  }

  for (const [peer, bundle] of Object.entries(params.peers)) {
    const path = publish(peer);
    subjects.push(viaHandler(peer, loadPeer(bundle, server.url(path))));
  }
  return subjects;
}

/** Creates the floor: node:crypto verifying the same signatures with keys imported once. */
function floorSubject(pools: Record<BenchAlgorithm, TokenPool>): Subject {
  const prepared = {} as Record<BenchAlgorithm, { verify: (event: unknown) => boolean }>;
  for (const algorithm of ALGORITHMS) {
    const options = {
      key: createPublicKey({ key: pools[algorithm].key.jwk as JsonWebKey, format: 'jwk' }),
      dsaEncoding: 'ieee-p1363' as const,
    };
    const split = (event: Record<string, unknown>) => {
      const token = String((event.headers as Record<string, string>).Authorization).slice(7);
      const dot = token.lastIndexOf('.');
      return {
        input: Buffer.from(token.slice(0, dot)),
        signature: Buffer.from(token.slice(dot + 1), 'base64url'),
      };
    };
    // The floor gets its inputs already split and decoded, so it times the verify alone.
    const parts = new Map(
      [...pools[algorithm].events, ...pools[algorithm].warmUpEvents].map((event) => [
        event,
        split(event),
      ]),
    );
    prepared[algorithm] = {
      verify: (event) => {
        const part = parts.get(event as Record<string, unknown>);
        return part !== undefined && verify('sha256', part.input, options, part.signature);
      },
    };
  }
  return {
    name: FLOOR_NAME,
    path: '',
    run: async (algorithm, index, warmUp = false) => {
      const pool = pools[algorithm];
      return prepared[algorithm].verify(warmUp ? pool.warmUpEvents[index] : pool.events[index]);
    },
  };
}

function muteLog(): { before(): void; after(): void } {
  const original = process.stdout.write;
  return {
    before: () => {
      process.stdout.write = (() => true) as typeof process.stdout.write;
    },
    after: () => {
      process.stdout.write = original;
    },
  };
}

serveCalls({ run: runWarm });

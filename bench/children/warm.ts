/**
 * Warm-decision child: serves the JWKS itself, loads every handler once, warms each up, then
 * times batches of decisions, alternating the order of subjects every round.
 */
import { JsonWebKey, createPublicKey, verify } from 'node:crypto';
import { serveCalls } from '../lib/child';
import { requestEvent } from '../lib/events';
import { percentile } from '../lib/stats';
import { gatehouseConfig } from '../lib/gatehouse-config';
import { Handler, decide, jwksPath, loadGatehouse, loadPeer } from '../lib/handlers';
import { JwksServer, LoopbackCertificate } from '../lib/jwks-server';
import { BenchAlgorithm, SigningKey, generateSigningKey, signToken } from '../lib/tokens';

/** Name of the baseline subject in every warm result. */
export const FLOOR_NAME = 'node:crypto floor';

export interface WarmParams {
  readonly certificate: LoopbackCertificate;
  readonly peers: Readonly<Record<string, string>>;
  readonly includeGatehouse: boolean;
  readonly rounds: number;
  readonly batch: number;
  readonly distinctTokens: number;
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
  readonly run: (algorithm: BenchAlgorithm, index: number) => Promise<boolean>;
  /** Runs before and after each batch, for example to mute console.log. */
  readonly around?: { before(): void; after(): void };
}

/** Tokens and events of one algorithm, all signed by one key. */
interface TokenPool {
  readonly key: SigningKey;
  readonly tokens: readonly string[];
  readonly events: readonly Record<string, unknown>[];
}

const GATEHOUSE = 'gatehouse';
const ALGORITHMS = ['RS256', 'ES256'] as const;

async function runWarm(params: WarmParams): Promise<WarmSeries[]> {
  const server = new JwksServer(params.certificate);
  await server.start();
  try {
    const pools = {} as Record<BenchAlgorithm, TokenPool>;
    for (const algorithm of ALGORITHMS) {
      const key = generateSigningKey(algorithm);
      const tokens = Array.from({ length: params.distinctTokens }, () => signToken(key));
      pools[algorithm] = { key, tokens, events: tokens.map((token) => requestEvent(token)) };
    }
    const subjects = loadSubjects(pools, server, params);
    const series: WarmSeries[] = [];
    for (const algorithm of ALGORITHMS) {
      series.push(
        ...(await measureAlgorithm(algorithm, pools[algorithm], subjects, server, params)),
      );
    }
    return series;
  } finally {
    await server.stop();
  }
}

async function measureAlgorithm(
  algorithm: BenchAlgorithm,
  pool: TokenPool,
  subjects: readonly Subject[],
  server: JwksServer,
  params: WarmParams,
): Promise<WarmSeries[]> {
  // Warm-up: the first decision fetches the JWKS, the rest let the JIT settle.
  for (const subject of subjects) {
    for (let index = 0; index < 200; index++) {
      if (!(await subject.run(algorithm, index % pool.tokens.length))) {
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
      const batch = await timeBatch(subjects[index], algorithm, params.batch, pool.tokens.length);
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

/** Loads every subject once; each JWKS path publishes the keys of both algorithms. */
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
  const viaHandler = (name: string, path: string, handler: Handler): Subject => ({
    name,
    path,
    run: (algorithm, index) => decide(handler, pools[algorithm].events[index]),
  });
  const subjects: Subject[] = [floorSubject(pools)];

  if (params.includeGatehouse) {
    const path = publish(GATEHOUSE);
    const handler = loadGatehouse(gatehouseConfig(server.url(path)));
    subjects.push(viaHandler(GATEHOUSE, path, handler));
    subjects.push({
      ...viaHandler(`${GATEHOUSE}, log line muted`, path, handler),
      around: muteLog(),
    });
    const tenPath = publish(`${GATEHOUSE}-10`);
    const tenHandler = loadGatehouse(gatehouseConfig(server.url(tenPath), 10));
    subjects.push(viaHandler(`${GATEHOUSE}, 10 operations`, tenPath, tenHandler));
  }

  for (const [peer, bundle] of Object.entries(params.peers)) {
    const path = publish(peer);
    subjects.push(viaHandler(peer, path, loadPeer(bundle, server.url(path))));
  }
  return subjects;
}

/** The floor: node:crypto verifying the same signatures with keys imported once. */
function floorSubject(pools: Record<BenchAlgorithm, TokenPool>): Subject {
  const prepared = {} as Record<BenchAlgorithm, { verify: (index: number) => boolean }>;
  for (const algorithm of ALGORITHMS) {
    const pool = pools[algorithm];
    const options = {
      key: createPublicKey({ key: pool.key.jwk as JsonWebKey, format: 'jwk' }),
      dsaEncoding: 'ieee-p1363' as const,
    };
    const parts = pool.tokens.map((token) => {
      const dot = token.lastIndexOf('.');
      return {
        input: Buffer.from(token.slice(0, dot)),
        signature: Buffer.from(token.slice(dot + 1), 'base64url'),
      };
    });
    prepared[algorithm] = {
      verify: (index) => verify('sha256', parts[index].input, options, parts[index].signature),
    };
  }
  return {
    name: FLOOR_NAME,
    path: '',
    run: async (algorithm, index) => prepared[algorithm].verify(index),
  };
}

function muteLog(): { before(): void; after(): void } {
  const original = console.log;
  return {
    before: () => {
      console.log = () => undefined;
    },
    after: () => {
      console.log = original;
    },
  };
}

async function timeBatch(
  subject: Subject,
  algorithm: BenchAlgorithm,
  size: number,
  tokenCount: number,
) {
  const latencies = new Float64Array(size);
  let wrongDecisions = 0;
  globalThis.gc?.();
  subject.around?.before();
  const start = process.hrtime.bigint();
  for (let index = 0; index < size; index++) {
    const before = process.hrtime.bigint();
    const allowed = await subject.run(algorithm, index % tokenCount);
    latencies[index] = Number(process.hrtime.bigint() - before) / 1000;
    if (!allowed) {
      wrongDecisions++;
    }
  }
  const elapsedSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  subject.around?.after();

  const samples = Array.from(latencies);
  return {
    decisionsPerSecond: size / elapsedSeconds,
    p50Us: percentile(samples, 50),
    p99Us: percentile(samples, 99),
    wrongDecisions,
  };
}

serveCalls({ run: runWarm });

import { hotPathEntries } from '../../bench/hot-paths';
import type { HotPathSeries } from '../../bench/children/hot-paths';
import {
  KeySetReport,
  OutageReport,
  keySetEntries,
  outageEntries,
  shortestGap,
} from '../../bench/key-set';
import { ResultEntry, compareToBaseline } from '../../bench/lib/results';
import { synthEntries } from '../../bench/synth-scale';
import type { SynthReport } from '../../bench/children/synth';
import { evaluateTargets } from '../../bench/targets';

const summary = (median: number) => ({ median, min: median, max: median, runs: 1 });

function warmP50(ours: number, floor: number, peer: number): ResultEntry[] {
  const name = 'warm RS256 p50 latency';
  return compareToBaseline(
    [
      { group: 'warm', name, subject: 'node:crypto floor', unit: 'us', summary: summary(floor) },
      { group: 'warm', name, subject: 'gatehouse', unit: 'us', summary: summary(ours) },
      { group: 'warm', name, subject: 'aws-jwt-verify', unit: 'us', summary: summary(peer) },
    ],
    'node:crypto floor',
  );
}

function verdict(entries: ResultEntry[], target: string) {
  return evaluateTargets(entries).find((item) => item.target === target);
}

function keySetReport(overrides: Partial<KeySetReport>): KeySetReport {
  return {
    subject: 'gatehouse',
    quietRotationMs: 1200,
    floodRotationMs: 800,
    floodTokens: 1500,
    floodFetches: 3,
    floodFetchesPer5s: 1,
    floodShortestGapMs: 5000,
    heapGrowthBytes: 1000,
    heapGrowthSecondHalfBytes: 500,
    rssGrowthBytes: 0,
    firstKeyAcceptedAfterFlood: true,
    acceptWithinMs: 40_000,
    ...overrides,
  };
}

function synthReport(operations: number, resources: number): SynthReport {
  return {
    operations,
    constructMs: operations,
    synthMs: operations * 2,
    templates: 1,
    templateBytes: operations * 1500,
    largestTemplateBytes: operations * 1500,
    resources,
    largestTemplateResources: resources,
    gatewayStackResources: resources,
    gatewayStackTemplateBytes: operations * 1500,
  };
}

describe('evaluateTargets', () => {
  test('warm within 1.3x of the floor is met', () => {
    const result = verdict(warmP50(26, 20, 30), 'warm RS256 within 1.3x the node:crypto floor');

    expect(result?.met).toBe(true);
  });

  test('warm at 1.5x of the floor is missed', () => {
    const result = verdict(warmP50(30, 20, 40), 'warm RS256 within 1.3x the node:crypto floor');

    expect(result?.met).toBe(false);
    expect(result?.detail).toBe('p50 30.0 us, 1.50x the floor');
  });

  test('a faster peer misses the ahead-of-peers target', () => {
    const result = verdict(warmP50(26, 20, 25), 'warm RS256 p50 latency ahead of every peer');

    expect(result?.met).toBe(false);
    expect(result?.detail).toContain('best peer aws-jwt-verify 25.0 us');
  });

  test('unmeasured target is neither met nor missed', () => {
    const result = verdict([], 'warm ES256 within 1.3x the node:crypto floor');

    expect(result?.met).toBeNull();
  });

  test('new key never accepted misses the 5 s target', () => {
    const entries = keySetEntries([keySetReport({ floodRotationMs: null })]);

    const result = verdict(
      entries,
      'new key accepted after publication (during flood) within 5000 ms',
    );

    expect(result?.met).toBe(false);
    expect(result?.detail).toContain('not accepted before the bound');
  });

  test('quiet rotation 5.1 s met within tolerance', () => {
    const entries = keySetEntries([keySetReport({ quietRotationMs: 5100 })]);

    const result = verdict(entries, 'new key accepted after publication (quiet) within 5000 ms');

    expect(result?.met).toBe(true);
    expect(result?.detail).toBe('5100 ms (tolerance 250 ms)');
  });

  test('quiet rotation 5.3 s missed', () => {
    const entries = keySetEntries([keySetReport({ quietRotationMs: 5300 })]);

    const result = verdict(entries, 'new key accepted after publication (quiet) within 5000 ms');

    expect(result?.met).toBe(false);
  });

  test('two fetches in 5 s miss the flood target', () => {
    const entries = keySetEntries([
      keySetReport({ floodFetchesPer5s: 2, floodShortestGapMs: 900 }),
    ]);

    const result = verdict(entries, 'at most one JWKS request per 5 s under a flood');

    expect(result?.met).toBe(false);
  });

  test('fetches 4.9 s apart meet it within tolerance', () => {
    const entries = keySetEntries([
      keySetReport({ floodFetchesPer5s: 2, floodShortestGapMs: 4900 }),
    ]);

    const result = verdict(entries, 'at most one JWKS request per 5 s under a flood');

    expect(result?.met).toBe(true);
    expect(result?.detail).toContain('shortest gap 4900 ms');
  });

  test('memory growing in the second half misses the bound', () => {
    const entries = keySetEntries([keySetReport({ heapGrowthSecondHalfBytes: 4 * 1024 * 1024 })]);

    const result = verdict(entries, 'bounded memory under a flood');

    expect(result?.met).toBe(false);
  });

  test('nested stack over 500 resources is missed', () => {
    const reports = new Map([
      [1, [synthReport(10, 30)]],
      [100, [synthReport(1000, 2600)]],
    ]);

    const result = verdict(
      synthEntries(reports, 10, 'NESTED_STACK_PER_API'),
      "100 APIs x 10 operations synthesizes within CloudFormation's stack quotas, with a nested stack per API",
    );

    expect(result?.met).toBe(false);
  });

  test('nested stacks within quotas are met', () => {
    const reports = new Map([[100, [{ ...synthReport(1000, 107), largestTemplateBytes: 90_000 }]]]);

    const result = verdict(
      synthEntries(reports, 10, 'NESTED_STACK_PER_API'),
      "100 APIs x 10 operations synthesizes within CloudFormation's stack quotas, with a nested stack per API",
    );

    expect(result?.met).toBe(true);
    expect(result?.detail).toBe('107 resources in the largest template');
  });

  test('flat gateway over quotas has no verdict', () => {
    const reports = new Map([[100, [synthReport(1000, 2600)]]]);

    const targets = evaluateTargets(synthEntries(reports, 10)).map((item) => item.target);

    expect(targets.filter((target) => target.includes('quotas'))).toEqual([
      "gateways synthesize within CloudFormation's stack quotas",
    ]);
  });

  test('linear synth growth meets the linearity target', () => {
    const reports = new Map([
      [1, [synthReport(10, 30)]],
      [10, [synthReport(100, 270)]],
    ]);

    const result = verdict(
      synthEntries(reports, 10),
      'template size per operation grows at most 1.5x from its lowest to any larger gateway',
    );

    expect(result?.met).toBe(true);
    expect(result?.detail).toBe(
      'lowest at 1 API x 10 operations, and no larger gateway costs more per operation',
    );
  });

  test('per-operation time doubling misses the linearity target', () => {
    const slow = { ...synthReport(1000, 2600), synthMs: 1000 * 6 };
    const reports = new Map([
      [10, [synthReport(100, 270)]],
      [100, [slow]],
    ]);

    const result = verdict(
      synthEntries(reports, 10),
      'synth time per operation grows at most 1.5x from its lowest to any larger gateway',
    );

    expect(result?.met).toBe(false);
    expect(result?.detail).toBe('2.33x from 10 APIs x 10 operations to 100 APIs x 10 operations');
  });
});

describe('shortestGap', () => {
  test('returns the smallest difference', () => {
    expect(shortestGap([10_000, 0, 4_990, 20_000])).toBe(4_990);
  });

  test('one timestamp gives null', () => {
    expect(shortestGap([42])).toBeNull();
  });
});

function outageReport(overrides: Partial<OutageReport>): OutageReport {
  return {
    subject: 'gatehouse',
    setting: 'maxAgeSeconds 2 and maxStaleSeconds 4',
    comparable: true,
    windowMs: 6000,
    lastAcceptedMs: 6050,
    firstRejectedMs: 6250,
    acceptedAfterRejection: 0,
    earlierTokenAcceptedAtBound: false,
    boundMs: 9000,
    ...overrides,
  };
}

const OUTAGE_TARGET =
  'last good keys keep working through an identity-provider outage for the configured time';

describe('outage verdict', () => {
  test('rejection just after the window is met', () => {
    const result = verdict(outageEntries([outageReport({})]), OUTAGE_TARGET);

    expect(result?.met).toBe(true);
    expect(result?.detail).toContain('first rejected at 6250 ms');
  });

  test('rejection before the window is missed', () => {
    const entries = outageEntries([outageReport({ lastAcceptedMs: 2900, firstRejectedMs: 3100 })]);

    expect(verdict(entries, OUTAGE_TARGET)?.met).toBe(false);
  });

  test('rejection a second after the window is missed', () => {
    const entries = outageEntries([outageReport({ lastAcceptedMs: 6800, firstRejectedMs: 7000 })]);

    expect(verdict(entries, OUTAGE_TARGET)?.met).toBe(false);
  });

  test('acceptance past the window is missed', () => {
    const entries = outageEntries([outageReport({ lastAcceptedMs: 8800, firstRejectedMs: null })]);

    const result = verdict(entries, OUTAGE_TARGET);

    expect(result?.met).toBe(false);
    expect(result?.detail).toContain('never rejected');
  });

  test('acceptance after a rejection is missed', () => {
    const entries = outageEntries([outageReport({ acceptedAfterRejection: 2 })]);

    expect(verdict(entries, OUTAGE_TARGET)?.met).toBe(false);
  });

  test('earlier token accepted at the bound is missed', () => {
    const entries = outageEntries([outageReport({ earlierTokenAcceptedAtBound: true })]);

    const result = verdict(entries, OUTAGE_TARGET);

    expect(result?.met).toBe(false);
    expect(result?.detail).toContain('token from before the outage accepted at the bound');
  });

  test('peer reports do not count', () => {
    const entries = outageEntries([outageReport({ subject: 'jose' })]);

    expect(verdict(entries, OUTAGE_TARGET)?.met).toBeNull();
  });
});

function hotPathSeries(subject: string, p50: number): HotPathSeries {
  return {
    measurement: 'certificate rules',
    baseline: 'node:crypto parse + checkIssued + verify',
    subject,
    decisionsPerSecond: [1e6 / p50],
    p50Us: [p50],
    p99Us: [p50 * 2],
    wrongDecisions: 0,
  };
}

describe('hot-path verdicts', () => {
  test('latency ratios are not targets', () => {
    const entries = hotPathEntries([
      hotPathSeries('node:crypto parse + checkIssued + verify', 500),
      hotPathSeries('gatehouse, new certificate per request', 800),
    ]);

    const targets = evaluateTargets(entries).map((item) => item.target);

    expect(targets.filter((target) => target.includes('new certificate'))).toEqual([]);
  });

  test('cached lookup reading DynamoDB is missed', () => {
    const series: HotPathSeries = {
      ...hotPathSeries('gatehouse, subscription key, lookup cached', 50),
      measurement: 'subscription key, cached lookup',
      baseline: 'gatehouse, JWT only',
      serviceRequests: { service: 'DynamoDB', perDecision: 0.5 },
    };

    const result = verdict(
      hotPathEntries([series]),
      'cached subscription key check makes no DynamoDB request',
    );

    expect(result?.met).toBe(false);
    expect(result?.detail).toBe('0.5 requests per decision while measuring');
  });

  test('ratios relative to first subject', () => {
    const entries = hotPathEntries([
      hotPathSeries('node:crypto parse + checkIssued + verify', 500),
      hotPathSeries('gatehouse, returning client', 50),
    ]);

    const returning = entries.find(
      (entry) =>
        entry.name === 'certificate rules p50 latency' &&
        entry.subject === 'gatehouse, returning client',
    );

    expect(returning?.ratio).toBe(0.1);
    expect(returning?.baseline).toBe('node:crypto parse + checkIssued + verify');
  });
});

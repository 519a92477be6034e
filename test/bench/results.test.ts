import { compareToBaseline, formatTable, singleEntry } from '../../bench/lib/results';
import { warmEntries } from '../../bench/warm';
import type { WarmSeries } from '../../bench/children/warm';

const summary = (median: number) => ({ median, min: median - 1, max: median + 1, runs: 3 });

describe('compareToBaseline', () => {
  test('divides each median by the baseline median', () => {
    const entries = compareToBaseline(
      [
        { group: 'warm', name: 'p50', subject: 'floor', unit: 'us', summary: summary(20) },
        { group: 'warm', name: 'p50', subject: 'ours', unit: 'us', summary: summary(26) },
      ],
      'floor',
    );

    expect(entries.map((entry) => entry.ratio)).toEqual([1, 1.3]);
    expect(entries[1].baseline).toBe('floor');
  });

  test('unknown baseline gives null ratios', () => {
    const entries = compareToBaseline(
      [{ group: 'warm', name: 'p50', subject: 'ours', unit: 'us', summary: summary(26) }],
      'floor',
    );

    expect(entries[0].ratio).toBeNull();
    expect(entries[0].baseline).toBeNull();
  });

  test('entry has the fields results.json promises', () => {
    const entry = singleEntry({
      group: 'cold',
      name: 'size',
      subject: 'ours',
      unit: 'bytes',
      samples: [3, 1, 2],
    });

    expect(Object.keys(entry).sort()).toEqual(
      [
        'baseline',
        'group',
        'max',
        'median',
        'min',
        'name',
        'ratio',
        'runs',
        'subject',
        'unit',
      ].sort(),
    );
    expect(entry).toMatchObject({ median: 2, min: 1, max: 3, runs: 3 });
  });
});

describe('formatTable', () => {
  test('prints one line per entry under a header', () => {
    const entries = compareToBaseline(
      [
        { group: 'warm', name: 'p50', subject: 'floor', unit: 'us', summary: summary(20) },
        { group: 'warm', name: 'p50', subject: 'ours', unit: 'us', summary: summary(26) },
      ],
      'floor',
    );

    const lines = formatTable(entries).split('\n');

    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('1.30x floor');
  });
});

describe('warmEntries', () => {
  const series = (subject: string, p50: number, wrongDecisions = 0): WarmSeries => ({
    algorithm: 'RS256',
    subject,
    decisionsPerSecond: [1e6 / p50, 1e6 / p50],
    p50Us: [p50, p50 + 2],
    p99Us: [p50 * 3, p50 * 3],
    wrongDecisions,
    warmPathFetches: 0,
  });

  test('gives every figure a ratio to the floor', () => {
    const entries = warmEntries([series('node:crypto floor', 20), series('gatehouse', 30)]);

    const p50 = entries.find(
      (entry) => entry.name === 'warm RS256 p50 latency' && entry.subject === 'gatehouse',
    );
    expect(p50?.median).toBe(31);
    expect(p50?.ratio).toBeCloseTo(31 / 21);
  });

  test('notes valid tokens a handler denied', () => {
    const entries = warmEntries([series('node:crypto floor', 20), series('jose', 90, 4)]);

    const dps = entries.find(
      (entry) => entry.name === 'warm RS256 decisions per second' && entry.subject === 'jose',
    );
    expect(dps?.note).toBe('4 valid tokens denied');
  });

  test('reports JWKS requests for handlers only', () => {
    const entries = warmEntries([series('node:crypto floor', 20), series('gatehouse', 30)]);

    const requests = entries.filter(
      (entry) => entry.name === 'warm RS256 JWKS requests while measuring',
    );
    expect(requests.map((entry) => entry.subject)).toEqual(['gatehouse']);
  });
});

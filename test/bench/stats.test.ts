import { maxInWindow, median, percentile, summarize } from '../../bench/lib/stats';

describe('median', () => {
  test('odd count returns the middle value', () => {
    expect(median([9, 1, 5])).toBe(5);
  });

  test('even count returns the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  test('leaves its input unsorted', () => {
    const values = [3, 1, 2];

    median(values);

    expect(values).toEqual([3, 1, 2]);
  });

  test('empty list throws', () => {
    expect(() => median([])).toThrow('cannot summarize an empty list of values');
  });

  test('non-finite value throws', () => {
    expect(() => median([1, Number.NaN])).toThrow('not finite numbers');
  });
});

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => 100 - index);

  test('p50 of 1..100 is 50 by nearest rank', () => {
    expect(percentile(hundred, 50)).toBe(50);
  });

  test('p99 of 1..100 is 99', () => {
    expect(percentile(hundred, 99)).toBe(99);
  });

  test('p100 is the maximum', () => {
    expect(percentile(hundred, 100)).toBe(100);
  });

  test('p0 is the minimum', () => {
    expect(percentile(hundred, 0)).toBe(1);
  });

  test('p99 of ten values is the largest', () => {
    expect(percentile([5, 1, 2, 3, 4, 6, 7, 8, 9, 10], 99)).toBe(10);
  });

  test('p outside 0..100 throws', () => {
    expect(() => percentile([1], 101)).toThrow('percentile must be between 0 and 100, got 101');
  });
});

describe('summarize', () => {
  test('returns median, min, max and runs', () => {
    const summary = summarize([7, 3, 11, 5]);

    expect(summary).toEqual({ median: 6, min: 3, max: 11, runs: 4 });
  });
});

describe('maxInWindow', () => {
  test('counts the busiest window', () => {
    const times = [20000, 0, 1000, 2000, 4999, 5000];

    expect(maxInWindow(times, 5000)).toBe(4);
  });

  test('times a full window apart count once each', () => {
    expect(maxInWindow([0, 5000, 10000], 5000)).toBe(1);
  });
});

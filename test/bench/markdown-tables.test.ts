import { hotPathEntries } from '../../bench/hot-paths';
import { OutageReport, outageEntries } from '../../bench/key-set';
import { hotPathTables, outageTable } from '../../bench/lib/markdown-tables';

describe('hotPathTables', () => {
  test('prints one row per subject with ratio and requests', () => {
    const entries = hotPathEntries([
      {
        measurement: 'subscription key, registry lookup',
        baseline: 'SHA-256 + DynamoDB GetItem',
        subject: 'SHA-256 + DynamoDB GetItem',
        decisionsPerSecond: [400],
        p50Us: [2000],
        p99Us: [9000],
        wrongDecisions: 0,
        serviceRequests: { service: 'DynamoDB', perDecision: 1 },
      },
      {
        measurement: 'subscription key, registry lookup',
        baseline: 'SHA-256 + DynamoDB GetItem',
        subject: 'gatehouse, subscription key, lookup cache off',
        decisionsPerSecond: [200],
        p50Us: [5000],
        p99Us: [20000],
        wrongDecisions: 0,
        serviceRequests: { service: 'DynamoDB', perDecision: 2 },
      },
    ]);

    const lines = hotPathTables(entries).split('\n');

    expect(lines).toEqual([
      '| subscription key, registry lookup | p50 (us) | ratio | decisions/s | p99 (us) | service requests per decision |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      '| SHA-256 + DynamoDB GetItem | 2000 | 1.00x | 400 | 9000 | 1 |',
      '| gatehouse, subscription key, lookup cache off | 5000 | 2.50x | 200 | 20000 | 2 |',
    ]);
  });
});

describe('outageTable', () => {
  test('shows a subject never rejected as none before the bound', () => {
    const report: OutageReport = {
      subject: 'aws-jwt-verify',
      setting: 'n/a: no setting',
      comparable: false,
      windowMs: 6000,
      lastAcceptedMs: 8900,
      firstRejectedMs: null,
      acceptedAfterRejection: 0,
      earlierTokenAcceptedAtBound: true,
      boundMs: 9000,
    };

    const row = outageTable(outageEntries([report])).split('\n')[2];

    expect(row).toBe(
      '| aws-jwt-verify | 6000 | 8900 | none before 9000 ms | 0 | accepted | n/a: no setting |',
    );
  });
});

import { existsSync } from 'node:fs';
import { OutageReport, outageEntries, runOutage, summarizeProbes } from '../../bench/key-set';
import { GATEHOUSE_BUNDLE, buildPeers } from '../../bench/lib/bundles';
import {
  LoopbackCertificate,
  makeLoopbackCertificate,
  removeLoopbackCertificate,
} from '../../bench/lib/jwks-server';

// The identity-provider outage scenario run for real with a window of 1 + 3 s: each subject
// in its own child process with its own JWKS server, which is stopped after a short serving
// phase. The checks allow for probes delayed by a busy machine; speed is not asserted.

const WINDOW = { maxAgeSeconds: 1, maxStaleSeconds: 3 };
const WINDOW_MS = 4000;
/** Slack for a probe sent or handled late on a shared machine. */
const SLACK_MS = 500;

let certificate: LoopbackCertificate;
const reports = new Map<string, OutageReport>();

beforeAll(async () => {
  if (!existsSync(GATEHOUSE_BUNDLE)) {
    throw new Error(`${GATEHOUSE_BUNDLE} is missing; run npm run build:lambda`);
  }
  certificate = makeLoopbackCertificate();
  const peers = await buildPeers();
  const options = {
    certificate,
    peers,
    includeGatehouse: true,
    floodMs: 0,
    floodPerSecond: 0,
    publishDuringFloodAfterMs: 0,
    acceptWithinMs: 0,
    outage: WINDOW,
  };
  const subjects: [string, { peerBundle?: string }][] = [
    ['gatehouse', {}],
    ['jsonwebtoken', { peerBundle: peers.jsonwebtoken }],
    ['jose', { peerBundle: peers.jose }],
    ['aws-jwt-verify', { peerBundle: peers['aws-jwt-verify'] }],
  ];
  const results = await Promise.all(subjects.map(([name, load]) => runOutage(name, load, options)));
  results.forEach((report) => reports.set(report.subject, report));
}, 120_000);

afterAll(() => {
  if (certificate) {
    removeLoopbackCertificate(certificate);
  }
});

describe.each(['gatehouse', 'jsonwebtoken', 'jose'])('%s through an outage', (subject) => {
  test('accepts the known key into the window', () => {
    const report = reports.get(subject);

    expect(report?.comparable).toBe(true);
    expect(report?.lastAcceptedMs).toBeGreaterThanOrEqual(WINDOW_MS - SLACK_MS);
  });

  test('rejects it once the window has passed', () => {
    const report = reports.get(subject);

    expect(report?.firstRejectedMs).not.toBeNull();
    expect(report?.firstRejectedMs).toBeGreaterThanOrEqual(WINDOW_MS - SLACK_MS);
    expect(report?.acceptedAfterRejection).toBe(0);
  });

  test('rejects a token accepted before', () => {
    expect(reports.get(subject)?.earlierTokenAcceptedAtBound).toBe(false);
  });
});

describe('aws-jwt-verify through an outage', () => {
  test('has no equivalent setting', () => {
    const report = reports.get('aws-jwt-verify');

    expect(report?.comparable).toBe(false);
    expect(report?.setting).toMatch(/^n\/a: /);
  });

  test('keeps accepting past the window', () => {
    expect(reports.get('aws-jwt-verify')?.firstRejectedMs).toBeNull();
  });
});

describe('summarizeProbes', () => {
  test('finds the edge of the window', () => {
    const summary = summarizeProbes([
      { atMs: 100, accepted: true },
      { atMs: 300, accepted: true },
      { atMs: 500, accepted: false },
      { atMs: 700, accepted: false },
    ]);

    expect(summary).toEqual({
      lastAcceptedMs: 300,
      firstRejectedMs: 500,
      acceptedAfterRejection: 0,
    });
  });

  test('counts acceptances after a rejection', () => {
    const summary = summarizeProbes([
      { atMs: 100, accepted: false },
      { atMs: 300, accepted: true },
    ]);

    expect(summary).toEqual({
      lastAcceptedMs: null,
      firstRejectedMs: 100,
      acceptedAfterRejection: 1,
    });
  });

  test('no rejection gives null', () => {
    const summary = summarizeProbes([{ atMs: 100, accepted: true }]);

    expect(summary.firstRejectedMs).toBeNull();
  });
});

describe('outageEntries', () => {
  test('records a missing rejection as the bound', () => {
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

    const entry = outageEntries([report]).find(
      (item) => item.name === 'outage: first token rejected after the last good fetch',
    );

    expect(entry?.median).toBe(9000);
    expect(entry?.note).toBe(
      'never rejected before the bound; the value shown is the bound; n/a: no setting',
    );
  });
});

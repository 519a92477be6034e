import { existsSync } from 'node:fs';
import { GATEHOUSE_BUNDLE } from '../../bench/lib/bundles';
import { ChildHandle } from '../../bench/lib/child';
import { HOT_PATH_CHILD } from '../../bench/hot-paths';
import {
  FairnessVerdict,
  HotPathParams,
  MEASUREMENTS,
  SUBJECTS,
} from '../../bench/children/hot-paths';

// Every subject of a hot-path comparison must reach the same verdict on the same request, or
// the comparison measures different work. The child builds the real fixtures (dynalite,
// openssl certificates, the bundled authorizer and token broker) with small pools.

const PARAMS: HotPathParams = { rounds: 1, batch: 5, ioBatch: 5, brokerBatch: 5 };

let child: ChildHandle;
let verdicts: FairnessVerdict[] = [];

beforeAll(async () => {
  if (!existsSync(GATEHOUSE_BUNDLE)) {
    throw new Error(`${GATEHOUSE_BUNDLE} is missing; run npm run build:lambda`);
  }
  child = ChildHandle.start(HOT_PATH_CHILD);
  await child.call('load', PARAMS, 120_000);
  verdicts = await child.call<FairnessVerdict[]>('verdicts', {}, 60_000);
}, 180_000);

afterAll(async () => {
  await child?.stop();
});

const subjectsOf: Record<string, string[]> = {
  [MEASUREMENTS.registryLookup]: [SUBJECTS.shaGetItem, SUBJECTS.keyLookup],
  [MEASUREMENTS.cachedLookup]: [SUBJECTS.jwtOnly, SUBJECTS.keyCached, SUBJECTS.anonymous],
  [MEASUREMENTS.certificate]: [
    SUBJECTS.x509,
    SUBJECTS.newCertificate,
    SUBJECTS.sameCertificate,
    SUBJECTS.shippedCrl,
  ],
  [MEASUREMENTS.brokerClient]: [SUBJECTS.jwtRepeated, SUBJECTS.backendCredential],
  [MEASUREMENTS.brokerFunction]: [SUBJECTS.mapLookup, SUBJECTS.brokerHandler],
};

describe.each(Object.values(MEASUREMENTS))('%s', (measurement) => {
  test('every subject decides as expected', () => {
    const found = verdicts.filter((verdict) => verdict.measurement === measurement);

    expect(found.length).toBeGreaterThan(0);
    for (const verdict of found) {
      const label = { testCase: verdict.testCase, subject: verdict.subject };
      expect({ ...label, allowed: verdict.allowed }).toEqual({
        ...label,
        allowed: verdict.expected,
      });
    }
  });

  test('every subject allows a valid request and denies a bad one', () => {
    const found = verdicts.filter((verdict) => verdict.measurement === measurement);

    for (const subject of subjectsOf[measurement]) {
      const own = found.filter((verdict) => verdict.subject === subject);
      expect({ subject, allows: own.some((verdict) => verdict.expected) }).toEqual({
        subject,
        allows: true,
      });
      expect({ subject, denies: own.some((verdict) => !verdict.expected) }).toEqual({
        subject,
        denies: subject !== SUBJECTS.anonymous,
      });
    }
  });
});

describe('certificate rules cases', () => {
  test.each([
    'issued by a CA outside the trust store',
    'expired',
    'DNS name not allowed',
    'malformed PEM',
  ])('%s is denied by the node:crypto baseline too', (testCase) => {
    const verdict = verdicts.find(
      (item) => item.testCase === testCase && item.subject === SUBJECTS.x509,
    );

    expect(verdict?.allowed).toBe(false);
  });

  test('shipped CRL denies the revoked certificate', () => {
    const verdict = verdicts.find(
      (item) =>
        item.testCase === 'revoked, listed in the shipped CRL' &&
        item.subject === SUBJECTS.shippedCrl,
    );

    expect(verdict?.allowed).toBe(false);
  });
});

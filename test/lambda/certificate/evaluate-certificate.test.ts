import { X509Certificate } from 'node:crypto';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  AuthorizerConfig,
  CertificateRevocationConfig,
  ClientCertificateRequirement,
} from '../../../lambda/policy/config';
import { evaluateClientCertificate } from '../../../lambda/policy/certificate/evaluate-certificate';
import { parseCertificatePem } from '../../../lambda/policy/certificate/parse';
import { clearCrlCache } from '../../../lambda/policy/certificate/revocation';
import { EvaluationContext } from '../../../lambda/policy/evaluator';
import { AccessDenied } from '../../../lambda/policy/failure';
import { AuthRequest } from '../../../lambda/policy/request';
import { CertificateLab, IssuedCertificate, TestCa, daysFromNow } from '../../support/certificates';

const NO_REVOCATION: CertificateRevocationConfig = { mode: 'none' };

let lab: CertificateLab;
let root: TestCa;
let intermediate: TestCa;
let stranger: TestCa;
let crlServer: Server;
let crlBase: string;
/** CRL bodies served by path; the server returns 404 for any other path. */
const served = new Map<string, Buffer | 'hang'>();

beforeAll(async () => {
  crlServer = createServer((request, response) => {
    const body = served.get(request.url ?? '');
    if (body === 'hang') return; // sends no response, so the client times out
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(body);
  });
  await new Promise<void>((resolve) => crlServer.listen(0, '127.0.0.1', resolve));
  crlBase = `http://127.0.0.1:${(crlServer.address() as AddressInfo).port}`;

  lab = new CertificateLab();
  root = lab.rootCa({
    subject: [
      ['CN', 'Partner Root CA'],
      ['O', 'Partner Ltd'],
    ],
  });
  intermediate = root.intermediate({
    subject: [
      ['CN', 'Partner Devices CA'],
      ['O', 'Partner Ltd'],
    ],
  });
  stranger = lab.rootCa({
    subject: [
      ['CN', 'Partner Root CA'],
      ['O', 'Partner Ltd'],
    ],
  });
});

afterAll(async () => {
  crlServer.closeAllConnections();
  await new Promise((resolve) => crlServer.close(resolve));
  lab.dispose();
});

beforeEach(() => {
  clearCrlCache();
  served.clear();
});

function requirement(
  overrides: Partial<ClientCertificateRequirement> = {},
): ClientCertificateRequirement {
  return {
    kind: 'clientCertificate',
    identities: null,
    certificateAuthorities: [root.pem, intermediate.pem],
    revocation: NO_REVOCATION,
    ...overrides,
  };
}

function crlRevocation(
  overrides: Partial<Extract<CertificateRevocationConfig, { mode: 'crl' }>> = {},
): CertificateRevocationConfig {
  return {
    mode: 'crl',
    crls: [],
    fetchDistributionPoints: true,
    fetchTimeoutMs: 500,
    cacheSeconds: 300,
    requireCrl: true,
    failOpen: false,
    ...overrides,
  };
}

function contextFor(pem: string | undefined, now = Date.now() / 1000): EvaluationContext {
  const memo = new Map<string, Promise<unknown>>();
  const request: AuthRequest = {
    requestId: 'req-1',
    api: 'partner',
    method: 'GET',
    resourcePath: '/devices',
    methodArn: 'arn:aws:execute-api:eu-west-1:111111111111:abc123/prod/GET/devices',
    headers: new Map(),
    query: new Map(),
    clientCertificate: pem === undefined ? undefined : { pem },
    now,
  };
  return {
    config: {} as AuthorizerConfig,
    request,
    memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
      if (!memo.has(key)) memo.set(key, compute());
      return memo.get(key) as Promise<T>;
    },
  };
}

async function denial(promise: Promise<unknown>): Promise<AccessDenied> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (!(error instanceof AccessDenied)) {
    throw new Error(`expected AccessDenied, got ${String(error)}`);
  }
  return error;
}

describe('evaluateClientCertificate with certificate kinds', () => {
  test('allows a leaf issued by the root', async () => {
    const leaf = root.issue({ subject: [['CN', 'direct-device']] });

    const grant = await evaluateClientCertificate(requirement(), contextFor(leaf.pem));

    expect(grant.principalId).toBe('CN=direct-device');
    expect(grant.context.clientCertIssuer).toBe('CN=Partner Root CA,O=Partner Ltd');
  });

  test('allows a leaf issued by the intermediate', async () => {
    const leaf = intermediate.issue({ subject: [['CN', 'device-1']], dnsNames: ['d1.example'] });

    const grant = await evaluateClientCertificate(requirement(), contextFor(leaf.pem));

    expect(grant.context.clientCertSubject).toBe('CN=device-1');
    expect(grant.context.clientCertIssuer).toBe('CN=Partner Devices CA,O=Partner Ltd');
  });

  test('denies a missing certificate with 401', async () => {
    const failure = await denial(evaluateClientCertificate(requirement(), contextFor(undefined)));

    expect(failure.code).toBe('CLIENT_CERTIFICATE_MISSING');
    expect(failure.status).toBe(401);
  });

  test('denies a truncated certificate with 401', async () => {
    const leaf = root.issue({ subject: [['CN', 'cut']] });
    const truncated = leaf.pem.slice(0, 200) + '\n-----END CERTIFICATE-----\n';

    const failure = await denial(evaluateClientCertificate(requirement(), contextFor(truncated)));

    expect(failure.code).toBe('CLIENT_CERTIFICATE_INVALID');
    expect(failure.status).toBe(401);
  });

  test('denies an expired certificate', async () => {
    const leaf = intermediate.issue({
      subject: [['CN', 'old-device']],
      notBefore: daysFromNow(-30),
      notAfter: daysFromNow(-1),
    });

    const failure = await denial(evaluateClientCertificate(requirement(), contextFor(leaf.pem)));

    expect(failure.code).toBe('CERTIFICATE_EXPIRED');
    expect(failure.status).toBe(403);
  });

  test('denies a certificate that is not yet valid', async () => {
    const leaf = intermediate.issue({
      subject: [['CN', 'future-device']],
      notBefore: daysFromNow(2),
      notAfter: daysFromNow(30),
    });

    const failure = await denial(evaluateClientCertificate(requirement(), contextFor(leaf.pem)));

    expect(failure.code).toBe('CERTIFICATE_NOT_YET_VALID');
    expect(failure.status).toBe(403);
  });

  test('denies a certificate from an issuer with the same name but another key', async () => {
    const leaf = stranger.issue({ subject: [['CN', 'impostor']] });

    const failure = await denial(evaluateClientCertificate(requirement(), contextFor(leaf.pem)));

    expect(failure.code).toBe('CERTIFICATE_ISSUER_UNKNOWN');
    expect(failure.message).toContain('CN=Partner Root CA,O=Partner Ltd');
  });

  test('denies a certificate whose issuer is missing from the trust store', async () => {
    const leaf = intermediate.issue({ subject: [['CN', 'device-2']] });

    const failure = await denial(
      evaluateClientCertificate(
        requirement({ certificateAuthorities: [root.pem] }),
        contextFor(leaf.pem),
      ),
    );

    expect(failure.code).toBe('CERTIFICATE_ISSUER_UNKNOWN');
  });
});

describe('evaluateClientCertificate caches', () => {
  test('keeps issuer results apart per trust store', async () => {
    const leaf = intermediate.issue({ subject: [['CN', 'cached-issuer']] });
    await evaluateClientCertificate(requirement(), contextFor(leaf.pem));

    const failure = await denial(
      evaluateClientCertificate(
        requirement({ certificateAuthorities: [root.pem] }),
        contextFor(leaf.pem),
      ),
    );

    expect(failure.code).toBe('CERTIFICATE_ISSUER_UNKNOWN');
  });

  test('still checks validity for a certificate parsed before', async () => {
    const leaf = intermediate.issue({ subject: [['CN', 'cached-validity']] });
    await evaluateClientCertificate(requirement(), contextFor(leaf.pem));
    const nextYear = Date.now() / 1000 + 365 * 24 * 3600;

    const failure = await denial(
      evaluateClientCertificate(requirement(), contextFor(leaf.pem, nextYear)),
    );

    expect(failure.code).toBe('CERTIFICATE_EXPIRED');
  });
});

describe('evaluateClientCertificate identity rules', () => {
  let leaf: IssuedCertificate;
  let parsed: { sha256: string; sha1: string; serial: string };

  beforeAll(() => {
    leaf = intermediate.issue({
      subject: [
        ['CN', 'device-9'],
        ['O', 'Partner Ltd'],
        ['C', 'GB'],
      ],
      dnsNames: ['device-9.partner.example'],
    });
    const certificate = parseCertificatePem(leaf.pem);
    parsed = {
      sha256: certificate.sha256,
      sha1: certificate.sha1,
      serial: certificate.serialNumber,
    };
  });

  const rules: Array<[string, () => Record<string, string>]> = [
    ['SHA-256 thumbprint', () => ({ thumbprint: parsed.sha256 })],
    ['SHA-1 thumbprint', () => ({ thumbprint: parsed.sha1 })],
    ['serial number', () => ({ serialNumber: parsed.serial })],
    ['subject DN', () => ({ subject: 'C=gb\nCN=device-9\nO=partner ltd' })],
    ['common name', () => ({ commonName: 'device-9' })],
    ['SAN DNS name', () => ({ dnsName: 'DEVICE-9.partner.example' })],
    ['issuer subject', () => ({ issuerSubject: 'CN=partner devices ca\nO=partner ltd' })],
    ['issuer thumbprint', () => ({ issuerThumbprint: thumbprintOf(intermediate.pem) })],
  ];

  test.each(rules)('allows a certificate matched by %s', async (_name, rule) => {
    const identities = [{ ...rule(), consumerId: 'partner-ltd' }];

    const grant = await evaluateClientCertificate(
      requirement({ identities }),
      contextFor(leaf.pem),
    );

    expect(grant.principalId).toBe('partner-ltd');
    expect(grant.context.consumerId).toBe('partner-ltd');
  });

  const misses: Array<[string, Record<string, string>]> = [
    ['another SHA-256 thumbprint', { thumbprint: 'AB'.repeat(32) }],
    ['another SHA-1 thumbprint', { thumbprint: 'AB'.repeat(20) }],
    ['another serial number', { serialNumber: '1234' }],
    ['another subject DN', { subject: 'CN=device-9' }],
    ['another common name', { commonName: 'device-10' }],
    ['a SAN DNS name the certificate lacks', { dnsName: 'other.partner.example' }],
    ['another issuer subject', { issuerSubject: 'CN=partner root ca\nO=partner ltd' }],
    ['another issuer thumbprint', { issuerThumbprint: 'CD'.repeat(32) }],
  ];

  test.each(misses)('denies a certificate when the rule names %s', async (_name, rule) => {
    const failure = await denial(
      evaluateClientCertificate(requirement({ identities: [rule] }), contextFor(leaf.pem)),
    );

    expect(failure.code).toBe('CERTIFICATE_NOT_ALLOWED');
    expect(failure.status).toBe(403);
  });

  test('requires every field of one identity to match', async () => {
    const identities = [{ commonName: 'device-9', dnsName: 'other.partner.example' }];

    const failure = await denial(
      evaluateClientCertificate(requirement({ identities }), contextFor(leaf.pem)),
    );

    expect(failure.code).toBe('CERTIFICATE_NOT_ALLOWED');
  });

  test('grants the consumer of the first identity that matches', async () => {
    const identities = [
      { commonName: 'device-10', consumerId: 'wrong' },
      { commonName: 'device-9', consumerId: 'right' },
      { dnsName: 'device-9.partner.example', consumerId: 'later' },
    ];

    const grant = await evaluateClientCertificate(
      requirement({ identities }),
      contextFor(leaf.pem),
    );

    expect(grant.principalId).toBe('right');
  });

  test('denies every certificate when the identity list is empty', async () => {
    const failure = await denial(
      evaluateClientCertificate(requirement({ identities: [] }), contextFor(leaf.pem)),
    );

    expect(failure.code).toBe('CERTIFICATE_NOT_ALLOWED');
  });

  test('denies a SAN rule for a certificate without SANs', async () => {
    const bare = intermediate.issue({ subject: [['CN', 'device-9.partner.example']] });

    const failure = await denial(
      evaluateClientCertificate(
        requirement({ identities: [{ dnsName: 'device-9.partner.example' }] }),
        contextFor(bare.pem),
      ),
    );

    expect(failure.code).toBe('CERTIFICATE_NOT_ALLOWED');
  });
});

describe('evaluateClientCertificate revocation', () => {
  test('denies a certificate revoked in a shipped CRL', async () => {
    const leaf = intermediate.issue({ subject: [['CN', 'lost-device']] });
    intermediate.revoke(leaf);
    const crl = intermediate.crl().der.toString('base64');
    const revocation = crlRevocation({ crls: [crl], fetchDistributionPoints: false });

    const failure = await denial(
      evaluateClientCertificate(requirement({ revocation }), contextFor(leaf.pem)),
    );

    expect(failure.code).toBe('CERTIFICATE_REVOKED');
    expect(failure.status).toBe(403);
  });

  test('allows a certificate that a shipped CRL does not list', async () => {
    const leaf = intermediate.issue({ subject: [['CN', 'kept-device']] });
    const crl = intermediate.crl().der.toString('base64');
    const revocation = crlRevocation({ crls: [crl], fetchDistributionPoints: false });

    const grant = await evaluateClientCertificate(
      requirement({ revocation }),
      contextFor(leaf.pem),
    );

    expect(grant.context.clientCertSubject).toBe('CN=kept-device');
  });

  test('ignores a shipped CRL signed by another key with the same name', async () => {
    const leaf = root.issue({ subject: [['CN', 'spoofed-crl-device']] });
    const forged = stranger.crl().der.toString('base64');
    const revocation = crlRevocation({ crls: [forged], fetchDistributionPoints: false });

    const failure = await denial(
      evaluateClientCertificate(requirement({ revocation }), contextFor(leaf.pem)),
    );

    expect(failure.code).toBe('CERTIFICATE_REVOCATION_UNKNOWN');
  });

  test('denies a certificate with no CRL when one is required', async () => {
    const leaf = intermediate.issue({ subject: [['CN', 'no-crl-device']] });

    const failure = await denial(
      evaluateClientCertificate(requirement({ revocation: crlRevocation() }), contextFor(leaf.pem)),
    );

    expect(failure.code).toBe('CERTIFICATE_REVOCATION_UNKNOWN');
  });

  test('allows a certificate with no CRL when none is required', async () => {
    const leaf = intermediate.issue({ subject: [['CN', 'optional-crl-device']] });
    const revocation = crlRevocation({ requireCrl: false });

    const grant = await evaluateClientCertificate(
      requirement({ revocation }),
      contextFor(leaf.pem),
    );

    expect(grant.principalId).toBe('CN=optional-crl-device');
  });

  test('denies when the shipped CRL is past its nextUpdate', async () => {
    const leaf = intermediate.issue({ subject: [['CN', 'stale-crl-device']] });
    const crl = intermediate.crl(1).der.toString('base64');
    const revocation = crlRevocation({ crls: [crl], fetchDistributionPoints: false });
    const twoHoursLater = Date.now() / 1000 + 7200;

    const failure = await denial(
      evaluateClientCertificate(requirement({ revocation }), contextFor(leaf.pem, twoHoursLater)),
    );

    expect(failure.code).toBe('CRL_EXPIRED');
  });

  test('denies a certificate revoked in the CRL at its distribution point', async () => {
    const leaf = intermediate.issue({
      subject: [['CN', 'fetched-revoked']],
      crlUrl: `${crlBase}/devices-1.crl`,
    });
    intermediate.revoke(leaf);
    served.set('/devices-1.crl', intermediate.crl().der);

    const failure = await denial(
      evaluateClientCertificate(requirement({ revocation: crlRevocation() }), contextFor(leaf.pem)),
    );

    expect(failure.code).toBe('CERTIFICATE_REVOKED');
    expect(failure.message).toContain(`${crlBase}/devices-1.crl`);
  });

  test('allows a certificate that the fetched PEM CRL does not list', async () => {
    const leaf = intermediate.issue({
      subject: [['CN', 'fetched-good']],
      crlUrl: `${crlBase}/devices-2.crl`,
    });
    served.set('/devices-2.crl', Buffer.from(intermediate.crl().pem));

    const grant = await evaluateClientCertificate(
      requirement({ revocation: crlRevocation() }),
      contextFor(leaf.pem),
    );

    expect(grant.principalId).toBe('CN=fetched-good');
  });

  test('uses the cached CRL while the distribution point is down', async () => {
    const leaf = intermediate.issue({
      subject: [['CN', 'cached-device']],
      crlUrl: `${crlBase}/devices-3.crl`,
    });
    served.set('/devices-3.crl', intermediate.crl().der);
    const required = requirement({ revocation: crlRevocation() });
    await evaluateClientCertificate(required, contextFor(leaf.pem));
    served.delete('/devices-3.crl');

    const grant = await evaluateClientCertificate(required, contextFor(leaf.pem));

    expect(grant.principalId).toBe('CN=cached-device');
  });

  test('denies when the distribution point answers 404', async () => {
    const leaf = intermediate.issue({
      subject: [['CN', 'missing-crl']],
      crlUrl: `${crlBase}/nowhere.crl`,
    });

    const failure = await denial(
      evaluateClientCertificate(requirement({ revocation: crlRevocation() }), contextFor(leaf.pem)),
    );

    expect(failure.code).toBe('CRL_UNAVAILABLE');
    expect(failure.message).toContain('HTTP 404');
  });

  test('denies when the distribution point times out', async () => {
    const leaf = intermediate.issue({
      subject: [['CN', 'slow-crl']],
      crlUrl: `${crlBase}/slow.crl`,
    });
    served.set('/slow.crl', 'hang');

    const failure = await denial(
      evaluateClientCertificate(
        requirement({ revocation: crlRevocation({ fetchTimeoutMs: 200 }) }),
        contextFor(leaf.pem),
      ),
    );

    expect(failure.code).toBe('CRL_UNAVAILABLE');
    expect(failure.message).toContain('timed out after 200 ms');
  });

  test('denies when the fetched CRL is signed by another CA', async () => {
    const leaf = root.issue({
      subject: [['CN', 'forged-fetch']],
      crlUrl: `${crlBase}/forged.crl`,
    });
    served.set('/forged.crl', stranger.crl().der);

    const failure = await denial(
      evaluateClientCertificate(requirement({ revocation: crlRevocation() }), contextFor(leaf.pem)),
    );

    expect(failure.code).toBe('CRL_UNAVAILABLE');
    expect(failure.message).toContain('not signed by the certificate issuer');
  });

  test('denies when the fetched CRL is garbage', async () => {
    const leaf = intermediate.issue({
      subject: [['CN', 'garbage-crl']],
      crlUrl: `${crlBase}/garbage.crl`,
    });
    served.set('/garbage.crl', intermediate.crl().der.subarray(0, 40));

    const failure = await denial(
      evaluateClientCertificate(requirement({ revocation: crlRevocation() }), contextFor(leaf.pem)),
    );

    expect(failure.code).toBe('CRL_UNAVAILABLE');
  });

  test('allows when the distribution point is down and failOpen is set', async () => {
    const leaf = intermediate.issue({
      subject: [['CN', 'fail-open']],
      crlUrl: `${crlBase}/down.crl`,
    });
    const revocation = crlRevocation({ failOpen: true, requireCrl: false });

    const grant = await evaluateClientCertificate(
      requirement({ revocation }),
      contextFor(leaf.pem),
    );

    expect(grant.principalId).toBe('CN=fail-open');
  });
});

function thumbprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, '');
}

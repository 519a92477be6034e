/**
 * The bundled authorizer (esbuild output) called with API Gateway REQUEST events that carry
 * `requestContext.identity.clientCert`, as API Gateway sends them on a mutual TLS domain.
 */
import { X509Certificate } from 'node:crypto';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import type {
  AuthorizerConfig,
  CertificateRevocationConfig,
  ClientCertificateRequirement,
} from '../../../lambda/policy/config';
import { Invocation, LoadedAuthorizer, invoke, loadAuthorizer } from '../../support/authorizer';
import { CertificateLab, IssuedCertificate, TestCa, daysFromNow } from '../../support/certificates';
import { requestEvent } from '../../support/events';

let lab: CertificateLab;
let root: TestCa;
let devices: TestCa;
let unknown: TestCa;
let crlServer: Server;
let crlBase: string;
const servedCrls = new Map<string, Buffer>();
const loaded: LoadedAuthorizer[] = [];

beforeAll(async () => {
  crlServer = createServer((request, response) => {
    const body = servedCrls.get(request.url ?? '');
    if (body === undefined) response.writeHead(503).end();
    else response.writeHead(200).end(body);
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
  devices = root.intermediate({
    subject: [
      ['CN', 'Partner Devices CA'],
      ['O', 'Partner Ltd'],
    ],
  });
  unknown = lab.rootCa({
    subject: [
      ['CN', 'Unknown CA'],
      ['O', 'Elsewhere'],
    ],
  });
});

afterAll(async () => {
  loaded.forEach((authorizer) => authorizer.dispose());
  crlServer.closeAllConnections();
  await new Promise((resolve) => crlServer.close(resolve));
  lab.dispose();
});

function authorizerFor(overrides: Partial<ClientCertificateRequirement> = {}): LoadedAuthorizer {
  const requirement: ClientCertificateRequirement = {
    kind: 'clientCertificate',
    identities: null,
    certificateAuthorities: [root.pem, devices.pem],
    revocation: { mode: 'none' },
    ...overrides,
  };
  const config: AuthorizerConfig = {
    version: 1,
    gateway: 'Test/Gateway',
    jwtValidators: {},
    apis: {
      partner: {
        name: 'Test/Gateway/partner',
        operations: [
          { method: 'GET', path: '/devices', authorizer: 'uncached', access: requirement },
        ],
      },
    },
  };
  const authorizer = loadAuthorizer(config);
  loaded.push(authorizer);
  return authorizer;
}

function crlRevocation(
  overrides: Partial<Extract<CertificateRevocationConfig, { mode: 'crl' }>> = {},
): CertificateRevocationConfig {
  return {
    mode: 'crl',
    crls: [],
    fetchDistributionPoints: true,
    fetchTimeoutMs: 1000,
    cacheSeconds: 300,
    requireCrl: true,
    failOpen: false,
    ...overrides,
  };
}

/** Builds an event with the `clientCert` fields API Gateway fills from the TLS handshake. */
function eventWith(certificate: IssuedCertificate | string | undefined) {
  if (certificate === undefined) {
    return requestEvent({ api: 'partner', resource: '/devices' });
  }
  const pem = typeof certificate === 'string' ? certificate : certificate.pem;
  let details: Record<string, unknown> = {};
  if (typeof certificate !== 'string') {
    const x509 = new X509Certificate(certificate.pem);
    details = {
      subjectDN: x509.subject.split('\n').reverse().join(','),
      issuerDN: x509.issuer.split('\n').reverse().join(','),
      serialNumber: x509.serialNumber,
      validity: { notBefore: x509.validFrom, notAfter: x509.validTo },
    };
  }
  return requestEvent({
    api: 'partner',
    resource: '/devices',
    clientCert: { clientCertPem: pem, ...details },
  });
}

function expectDenied(result: Invocation, code: string): void {
  expect(result.outcome).toBe('deny');
  expect(result.log.code).toBe(code);
}

function expectUnauthorized(result: Invocation, code: string): void {
  expect(result.outcome).toBe('unauthorized');
  expect(result.log.code).toBe(code);
}

describe('bundled authorizer with client certificates', () => {
  test('allows a leaf issued by the intermediate and names the consumer', async () => {
    const leaf = devices.issue({
      subject: [
        ['CN', 'kiosk-1'],
        ['O', 'Partner Ltd'],
      ],
      dnsNames: ['kiosk-1.partner.example'],
    });
    const authorizer = authorizerFor({
      identities: [{ dnsName: 'kiosk-1.partner.example', consumerId: 'partner-ltd' }],
    });

    const result = await invoke(authorizer, eventWith(leaf));

    expect(result.outcome).toBe('allow');
    expect(result.result?.principalId).toBe('partner-ltd');
    expect(result.result?.context?.consumerId).toBe('partner-ltd');
    expect(result.result?.context?.clientCertSubject).toBe('CN=kiosk-1,O=Partner Ltd');
  });

  test('allows a leaf issued by the root', async () => {
    const leaf = root.issue({ subject: [['CN', 'root-device']] });

    const result = await invoke(authorizerFor(), eventWith(leaf));

    expect(result.outcome).toBe('allow');
  });

  test('returns 401 when the request has no client certificate', async () => {
    const result = await invoke(authorizerFor(), eventWith(undefined));

    expectUnauthorized(result, 'CLIENT_CERTIFICATE_MISSING');
  });

  test('returns 401 for malformed PEM', async () => {
    const result = await invoke(authorizerFor(), eventWith('-----BEGIN CERTIFICATE-----\nnope'));

    expectUnauthorized(result, 'CLIENT_CERTIFICATE_INVALID');
  });

  test('returns 401 for truncated PEM', async () => {
    const leaf = devices.issue({ subject: [['CN', 'cut-device']] });
    const der = leaf.der.subarray(0, leaf.der.length - 20).toString('base64');
    const truncated = `-----BEGIN CERTIFICATE-----\n${der}\n-----END CERTIFICATE-----\n`;

    const result = await invoke(authorizerFor(), eventWith(truncated));

    expectUnauthorized(result, 'CLIENT_CERTIFICATE_INVALID');
  });

  test('denies an expired certificate', async () => {
    const leaf = devices.issue({
      subject: [['CN', 'expired-device']],
      notBefore: daysFromNow(-60),
      notAfter: daysFromNow(-1),
    });

    const result = await invoke(authorizerFor(), eventWith(leaf));

    expectDenied(result, 'CERTIFICATE_EXPIRED');
  });

  test('denies a certificate that is not yet valid', async () => {
    const leaf = devices.issue({
      subject: [['CN', 'future-device']],
      notBefore: daysFromNow(1),
      notAfter: daysFromNow(60),
    });

    const result = await invoke(authorizerFor(), eventWith(leaf));

    expectDenied(result, 'CERTIFICATE_NOT_YET_VALID');
  });

  test('denies a certificate from an unknown issuer', async () => {
    const leaf = unknown.issue({ subject: [['CN', 'stranger']] });

    const result = await invoke(authorizerFor(), eventWith(leaf));

    expectDenied(result, 'CERTIFICATE_ISSUER_UNKNOWN');
  });

  test('denies a certificate revoked in a shipped CRL', async () => {
    const leaf = devices.issue({ subject: [['CN', 'stolen-kiosk']] });
    devices.revoke(leaf);
    const revocation = crlRevocation({
      crls: [devices.crl().der.toString('base64')],
      fetchDistributionPoints: false,
    });

    const result = await invoke(authorizerFor({ revocation }), eventWith(leaf));

    expectDenied(result, 'CERTIFICATE_REVOKED');
  });

  test('denies a certificate revoked in the CRL at its distribution point', async () => {
    const leaf = devices.issue({
      subject: [['CN', 'fetched-revoked-kiosk']],
      crlUrl: `${crlBase}/devices.crl`,
    });
    devices.revoke(leaf);
    servedCrls.set('/devices.crl', devices.crl().der);

    const result = await invoke(authorizerFor({ revocation: crlRevocation() }), eventWith(leaf));

    expectDenied(result, 'CERTIFICATE_REVOKED');
  });

  test('denies when the distribution point is down', async () => {
    const leaf = devices.issue({
      subject: [['CN', 'crl-down-kiosk']],
      crlUrl: `${crlBase}/missing.crl`,
    });

    const result = await invoke(authorizerFor({ revocation: crlRevocation() }), eventWith(leaf));

    expectDenied(result, 'CRL_UNAVAILABLE');
  });

  test('allows a certificate the fetched CRL does not list', async () => {
    const leaf = devices.issue({
      subject: [['CN', 'good-kiosk']],
      crlUrl: `${crlBase}/devices-good.crl`,
    });
    servedCrls.set('/devices-good.crl', devices.crl().der);

    const result = await invoke(authorizerFor({ revocation: crlRevocation() }), eventWith(leaf));

    expect(result.outcome).toBe('allow');
  });

  test('denies a DNS name rule for a certificate without SANs', async () => {
    const leaf = devices.issue({ subject: [['CN', 'kiosk-2.partner.example']] });
    const authorizer = authorizerFor({ identities: [{ dnsName: 'kiosk-2.partner.example' }] });

    const result = await invoke(authorizer, eventWith(leaf));

    expectDenied(result, 'CERTIFICATE_NOT_ALLOWED');
  });

  test('keeps the certificate PEM out of the log line', async () => {
    const leaf = devices.issue({ subject: [['CN', 'quiet-kiosk']] });

    const result = await invoke(authorizerFor(), eventWith(leaf));

    expect(result.outcome).toBe('allow');
    expect(result.rawLog).not.toContain(leaf.pem.split('\n')[1]);
  });
});

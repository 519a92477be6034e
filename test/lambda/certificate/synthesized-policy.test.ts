/**
 * From construct to decision: a gateway with a trust store and a `ClientCertificatePolicy`
 * is synthesized, and the bundled authorizer runs with the config that synth compiled.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '../../../lib/api/backend';
import { CertificateRevocation, ClientCertificatePolicy } from '../../../lib/client-certificate';
import { Gateway } from '../../../lib/gateway/gateway';
import { RevocationList, TrustStore, TrustStoreCertificate } from '../../../lib/trust-store';
import { LoadedAuthorizer, invoke, loadAuthorizer } from '../../support/authorizer';
import { CertificateLab, IssuedCertificate, TestCa } from '../../support/certificates';
import { requestEvent } from '../../support/events';

let lab: CertificateLab;
let root: TestCa;
let devices: TestCa;
let kiosk: IssuedCertificate;
let stolenKiosk: IssuedCertificate;
let laptop: IssuedCertificate;
let authorizer: LoadedAuthorizer;

beforeAll(() => {
  lab = new CertificateLab();
  root = lab.rootCa({
    subject: [
      ['CN', 'Synth Root CA'],
      ['O', 'Partner Ltd'],
    ],
  });
  devices = root.intermediate({
    subject: [
      ['CN', 'Synth Devices CA'],
      ['O', 'Partner Ltd'],
    ],
  });
  kiosk = devices.issue({ subject: [['CN', 'kiosk-7']], dnsNames: ['kiosk-7.partner.example'] });
  stolenKiosk = devices.issue({ subject: [['CN', 'kiosk-8']] });
  laptop = root.issue({ subject: [['CN', 'laptop-1']] });
  devices.revoke(stolenKiosk);

  const stack = new Stack(
    new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-synth-')) }),
    'Synth',
  );
  const trustStore = new TrustStore(stack, 'PartnerCAs', {
    certificates: [TrustStoreCertificate.fromPem(root.pem + devices.pem)],
    crls: [
      RevocationList.fromPem(devices.crl(24 * 60).pem),
      RevocationList.fromPem(root.crl(24 * 60).pem),
    ],
  });
  const gateway = new Gateway(stack, 'Gateway', {
    domain: {
      domainName: 'devices.example.com',
      certificate: acm.Certificate.fromCertificateArn(
        stack,
        'Cert',
        'arn:aws:acm:eu-west-1:123456789012:certificate/x',
      ),
      mutualTls: { trustStore },
    },
    defaultPolicy: new ClientCertificatePolicy({
      trustStore,
      allowedIdentities: [
        { issuerSubject: 'CN=Synth Devices CA,O=Partner Ltd', consumerId: 'partner-ltd' },
      ],
      revocation: CertificateRevocation.crl({ fetchDistributionPoints: false }),
    }),
  });
  gateway.addApi('readings').addOperation('POST', '/readings', { backend: Backend.mock() });
  (stack.node.root as App).synth();

  authorizer = loadAuthorizer(gateway.authorizerConfig!);
});

afterAll(() => {
  authorizer.dispose();
  lab.dispose();
});

function eventWith(certificate: IssuedCertificate) {
  return requestEvent({
    api: 'readings',
    method: 'POST',
    resource: '/readings',
    clientCert: { clientCertPem: certificate.pem },
  });
}

describe('synthesized ClientCertificatePolicy', () => {
  test('allows a device of the devices CA as the partner', async () => {
    const result = await invoke(authorizer, eventWith(kiosk));

    expect(result.outcome).toBe('allow');
    expect(result.result?.context?.consumerId).toBe('partner-ltd');
  });

  test('denies a device revoked in the shipped CRL', async () => {
    const result = await invoke(authorizer, eventWith(stolenKiosk));

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('CERTIFICATE_REVOKED');
  });

  test('denies a certificate of the root CA that matches no identity', async () => {
    const result = await invoke(authorizer, eventWith(laptop));

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('CERTIFICATE_NOT_ALLOWED');
  });
});

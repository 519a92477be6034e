import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Match } from 'aws-cdk-lib/assertions';
import { Stack } from 'aws-cdk-lib';
import { ClientCertificateRequirement } from '../../../lambda/policy/config';
import { Backend } from '../../../lib/api/backend';
import { BackendClientCertificate, ClientCertificatePolicy } from '../../../lib/client-certificate';
import { Gateway } from '../../../lib/gateway/gateway';
import { TrustStore, TrustStoreCertificate } from '../../../lib/trust-store';
import { CertificateLab, TestCa } from '../../support/certificates';
import { newGateway, newStack, synth } from '../helpers';

let lab: CertificateLab;
let root: TestCa;

beforeAll(() => {
  lab = new CertificateLab();
  root = lab.rootCa({ subject: [['CN', 'Gateway Root CA']] });
});

afterAll(() => lab.dispose());

function gatewayWith(mutualTls: boolean): { stack: Stack; gateway: Gateway; store: TrustStore } {
  const stack = newStack();
  const store = new TrustStore(stack, 'PartnerCAs', {
    certificates: [TrustStoreCertificate.fromPem(root.pem)],
  });
  const certificate = acm.Certificate.fromCertificateArn(
    stack,
    'Cert',
    'arn:aws:acm:eu-west-1:123456789012:certificate/partners',
  );
  const gateway = newGateway(stack, {
    domain: {
      domainName: 'partners.example.com',
      certificate,
      mutualTls: mutualTls ? { trustStore: store } : undefined,
    },
  });
  return { stack, gateway, store };
}

describe('Gateway with mutual TLS', () => {
  test('pins the domain to the trust store object version', () => {
    const { stack, gateway } = gatewayWith(true);
    gateway.addApi('devices').addOperation('GET', '/devices', { backend: Backend.mock() });

    const { template } = synth(stack, gateway);

    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'partners.example.com',
      MutualTlsAuthentication: {
        TruststoreVersion: {
          'Fn::GetAtt': [Match.stringLikeRegexp('PartnerCAsBundleWriter'), 'VersionId'],
        },
      },
    });
  });

  test('disables the default execute-api endpoint of every API', () => {
    const { stack, gateway } = gatewayWith(true);
    gateway.addApi('devices').addOperation('GET', '/devices', { backend: Backend.mock() });
    gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });

    const { template } = synth(stack, gateway);

    const apis = template.findResources('AWS::ApiGateway::RestApi');
    expect(Object.keys(apis)).toHaveLength(2);
    for (const api of Object.values(apis)) {
      expect(api.Properties.DisableExecuteApiEndpoint).toBe(true);
    }
  });

  test('keeps the default endpoint without mutual TLS', () => {
    const { stack, gateway } = gatewayWith(false);
    gateway.addApi('devices').addOperation('GET', '/devices', { backend: Backend.mock() });

    const { template } = synth(stack, gateway);

    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      DisableExecuteApiEndpoint: Match.absent(),
    });
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      MutualTlsAuthentication: Match.absent(),
    });
  });

  test('compiles a certificate policy into the authorizer config', () => {
    const { stack, gateway, store } = gatewayWith(true);
    const policy = new ClientCertificatePolicy({
      trustStore: store,
      allowedIdentities: [{ commonName: 'kiosk-1', consumerId: 'partner-ltd' }],
    });
    gateway.addApi('devices').addOperation('GET', '/devices', { backend: Backend.mock(), policy });

    const { config } = synth(stack, gateway);

    const access = config.apis.devices.operations[0].access as ClientCertificateRequirement;
    expect(access.kind).toBe('clientCertificate');
    expect(access.identities).toEqual([{ commonName: 'kiosk-1', consumerId: 'partner-ltd' }]);
  });

  test('never caches decisions of a certificate policy', () => {
    const { stack, gateway, store } = gatewayWith(true);
    const policy = new ClientCertificatePolicy({ trustStore: store, allowAnyIdentity: true });
    gateway.addApi('devices').addOperation('GET', '/devices', { backend: Backend.mock(), policy });

    const { template } = synth(stack, gateway);

    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: Match.absent(),
    });
  });

  test('lets a stage present the backend client certificate', () => {
    const { stack, gateway } = gatewayWith(true);
    const legacy = gateway.addApi('legacy');
    legacy.addOperation('GET', '/records', {
      backend: Backend.http('https://legacy.example.com/records'),
    });
    new BackendClientCertificate(stack, 'GatewayCert').attachTo(legacy);

    const { template } = synth(stack, gateway);

    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      ClientCertificateId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('GatewayCert'), 'ClientCertificateId'],
      },
    });
  });
});

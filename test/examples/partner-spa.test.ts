import { Match, Template } from 'aws-cdk-lib/assertions';
import { nagViolations, newTestApp as newApp } from '../support/nag';
import { ClientCertificateRequirement } from '../../lambda/policy/config';
import { PartnerSpaStack } from '../../examples/partner-spa/partner-spa-stack';

function synthesized(): { stack: PartnerSpaStack; template: Template } {
  const stack = new PartnerSpaStack(newApp(), 'PartnerSpa');
  const template = Template.fromStack(stack);
  return { stack, template };
}

describe('PartnerSpaStack', () => {
  test('passes the AwsSolutions checks', () => {
    const app = newApp();
    new PartnerSpaStack(app, 'PartnerSpa');

    expect(nagViolations(app)).toEqual([]);
  });

  test('turns on mutual TLS for the device domain only', () => {
    const { template } = synthesized();

    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'devices.orders.example.com',
      MutualTlsAuthentication: {
        TruststoreVersion: { 'Fn::GetAtt': [Match.stringLikeRegexp('BundleWriter'), 'VersionId'] },
      },
    });
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.orders.example.com',
      MutualTlsAuthentication: Match.absent(),
    });
  });

  test('disables the execute-api endpoint of the device API', () => {
    const { template } = synthesized();

    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Description: Match.stringLikeRegexp('partner devices'),
      DisableExecuteApiEndpoint: true,
    });
  });

  test('presents the gateway certificate to the legacy backend', () => {
    const { template } = synthesized();

    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      RestApiId: { Ref: Match.stringLikeRegexp('SpaGatewayorders') },
      ClientCertificateId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('LegacyBackendCertificate'), 'ClientCertificateId'],
      },
    });
  });

  test('accepts only tokens whose audience is the gateway', () => {
    const { stack } = synthesized();

    const validator = Object.values(stack.spaGateway.authorizerConfig!.jwtValidators)[0];
    expect(validator.audiences).toEqual(['https://api.orders.example.com']);
  });

  test('admits devices of the devices CA as the partner consumer', () => {
    const { stack } = synthesized();

    const operation = stack.deviceGateway.authorizerConfig!.apis.readings.operations[0];
    const access = operation.access as ClientCertificateRequirement;
    expect(access.identities).toEqual([
      { issuerSubject: 'C=gb\nCN=partner devices ca\nO=partner ltd', consumerId: 'partner-ltd' },
    ]);
    expect(access.certificateAuthorities).toHaveLength(2);
  });
});

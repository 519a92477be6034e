import { App, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BackendClientCertificate } from '../../../lib/client-certificate';

function apiWithCertificate(attach: boolean): Template {
  const stack = new Stack(new App(), 'Test');
  const restApi = new apigw.RestApi(stack, 'Legacy');
  restApi.root.addMethod('GET', new apigw.HttpIntegration('https://legacy.example.com/'));
  const certificate = new BackendClientCertificate(stack, 'GatewayCert');
  if (attach) certificate.attachTo({ restApi });
  return Template.fromStack(stack);
}

describe('BackendClientCertificate', () => {
  test('creates an API Gateway client certificate', () => {
    const template = apiWithCertificate(true);

    template.resourceCountIs('AWS::ApiGateway::ClientCertificate', 1);
  });

  test('makes the stage present the certificate', () => {
    const template = apiWithCertificate(true);

    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      ClientCertificateId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('GatewayCert'), 'ClientCertificateId'],
      },
    });
  });

  test('leaves the stage alone until attached', () => {
    const template = apiWithCertificate(false);

    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      ClientCertificateId: Match.absent(),
    });
  });
});

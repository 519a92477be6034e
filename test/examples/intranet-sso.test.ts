import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IntranetSsoStack } from '../../examples/intranet-sso/intranet-sso-stack';
import { nagViolations, newTestApp as newApp } from '../support/nag';

describe('IntranetSsoStack', () => {
  test('passes the AwsSolutions checks', () => {
    const app = newApp();
    new IntranetSsoStack(app, 'IntranetSso');

    const violations = nagViolations(app);

    expect(violations).toEqual([]);
  });

  test('nag check reports findings on an unprotected stack', () => {
    const app = newApp();
    new sqs.Queue(new Stack(app, 'Plain'), 'Queue');

    const violations = nagViolations(app);

    expect(violations.map((violation) => violation.ruleName)).toContain('AwsSolutions-SQS3');
  });

  test('limits issuers to the listed Entra ID tenant', () => {
    const stack = new IntranetSsoStack(newApp(), 'IntranetSso');

    (stack.node.root as App).synth();

    const config = stack.gateway.authorizerConfig!;
    const validator = Object.values(config.jwtValidators)[0];
    expect(validator.issuers).toEqual([
      {
        kind: 'pattern',
        template: 'https://login.microsoftonline.com/{tenant}/v2.0',
        tenants: ['11111111-2222-3333-4444-555555555555'],
      },
    ]);
    expect(validator.audiences).toEqual(['api://intranet-directory']);
    expect(validator.algorithms).toEqual(['RS256']);
  });

  test('requires an app role and forwards the caller oid', () => {
    const stack = new IntranetSsoStack(newApp(), 'IntranetSso');

    (stack.node.root as App).synth();

    const validator = Object.values(stack.gateway.authorizerConfig!.jwtValidators)[0];
    expect(validator.claims).toEqual([
      { claim: 'roles', values: ['Directory.Read', 'Directory.Admin'], match: 'any' },
    ]);
    expect(validator.forwardClaims).toEqual([{ claim: 'oid', contextKey: 'claim_oid' }]);
  });

  test('only admins may update a person', () => {
    const stack = new IntranetSsoStack(newApp(), 'IntranetSso');

    (stack.node.root as App).synth();

    const operations = stack.gateway.authorizerConfig!.apis.directory.operations;
    const update = operations.find((op) => op.method === 'PUT');
    expect(update?.access).toEqual({
      kind: 'jwt',
      validator: 'IntranetSso/CorporateSso',
      claims: [{ claim: 'roles', values: ['Directory.Admin'], match: 'all' }],
    });
  });
});

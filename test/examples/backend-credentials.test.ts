import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { BackendCredentialsStack } from '../../examples/backend-credentials/backend-credentials-stack';
import { acknowledgeReviewedFindings } from '../../bin/nag-acknowledgements';
import { nagViolations, newTestApp as newApp } from '../support/nag';

/** Synthesizes the app with the cdk-nag packs of the CDK app; returns the errors, or none. */
function nagErrors(app: App): string[] {
  return nagViolations(
    app,
    new AwsSolutionsChecks(app),
    new ServerlessChecks(app),
    new NIST80053R5Checks(app),
  )
    .filter((violation) => violation.severity === 'error')
    .map((violation) => violation.ruleName);
}

describe('BackendCredentialsStack', () => {
  test('passes the cdk-nag packs without errors', () => {
    const app = newApp();
    acknowledgeReviewedFindings(new BackendCredentialsStack(app, 'BackendCredentials'));

    expect(nagErrors(app)).toEqual([]);
  });

  test('sends each API its own kind of backend credential', () => {
    const app = newApp();
    const stack = new BackendCredentialsStack(app, 'BackendCredentials');

    app.synth();
    const config = stack.gateway.authorizerConfig!;
    const credentialOf = (api: string) => config.apis[api].operations[0].backendCredential;

    expect(credentialOf('invoicing')?.subjectValidator).toBeUndefined();
    expect(JSON.stringify(config.apis.invoicing.operations[0].access)).toContain('"kind":"basic"');
    expect(credentialOf('reporting')?.subjectValidator).toBeUndefined();
    expect(credentialOf('orders')?.subjectValidator).toBe(Object.keys(config.jwtValidators)[0]);
  });
});

import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { IntranetSsoStack } from '../examples/intranet-sso/intranet-sso-stack';
import { PartnerSpaStack } from '../examples/partner-spa/partner-spa-stack';
import { PublicSaasStack } from '../examples/public-saas/public-saas-stack';
import { acknowledgeReviewedFindings } from './nag-acknowledgements';

/** Synthesizes every example, checked by the cdk-nag AwsSolutions, Serverless and NIST 800-53 rev 5 packs. */
const app = new App();
const stacks = [
  new IntranetSsoStack(app, 'GatehouseIntranetSso'),
  new PartnerSpaStack(app, 'GatehousePartnerSpa'),
  new PublicSaasStack(app, 'GatehousePublicSaas'),
];
stacks.forEach(acknowledgeReviewedFindings);
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app),
  new ServerlessChecks(app),
  new NIST80053R5Checks(app),
);
app.synth();

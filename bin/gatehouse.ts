import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { BackendCredentialsStack } from '../examples/backend-credentials/backend-credentials-stack';
import { IntranetSsoStack } from '../examples/intranet-sso/intranet-sso-stack';
import { PartnerSpaStack } from '../examples/partner-spa/partner-spa-stack';
import { PublicSaasStack } from '../examples/public-saas/public-saas-stack';
import { GatehouseChecks } from '../lib/lint';
import { EffectivePolicyReportPlugin } from '../lib/report';
import { acknowledgeReviewedFindings } from './nag-acknowledgements';

/** Synthesizes every example, checked by the cdk-nag AwsSolutions, Serverless and NIST 800-53 rev 5 packs. */
const app = new App();
const publicSaas = new PublicSaasStack(app, 'GatehousePublicSaas');
const stacks = [
  new IntranetSsoStack(app, 'GatehouseIntranetSso'),
  new PartnerSpaStack(app, 'GatehousePartnerSpa'),
  publicSaas,
  new BackendCredentialsStack(app, 'GatehouseBackendCredentials'),
];
stacks.forEach(acknowledgeReviewedFindings);
Validations.of(publicSaas).acknowledge({
  id: 'Gatehouse::QuotaOnlyAccessControl',
  reason:
    'The catalog and orders APIs are sold by subscription key alone: the key identifies the subscriber for metering and suspension, and the billing API also requires a client-credentials token',
});
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app),
  new ServerlessChecks(app),
  new NIST80053R5Checks(app),
  // Gatehouse's own checks, and the effective-policy report written next to the templates.
  new GatehouseChecks(),
  new EffectivePolicyReportPlugin(),
);
app.synth();

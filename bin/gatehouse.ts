import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IntranetSsoStack } from '../examples/intranet-sso/intranet-sso-stack';
import { PartnerSpaStack } from '../examples/partner-spa/partner-spa-stack';
import { PublicSaasStack } from '../examples/public-saas/public-saas-stack';

/** Synthesizes every example, checked by the cdk-nag AwsSolutions pack. */
const app = new App();
new IntranetSsoStack(app, 'GatehouseIntranetSso');
new PartnerSpaStack(app, 'GatehousePartnerSpa');
new PublicSaasStack(app, 'GatehousePublicSaas');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

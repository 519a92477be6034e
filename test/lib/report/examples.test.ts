import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { AuthorizerConfig } from '../../../lambda/policy/config';
import { buildReport } from '../../../lib/report/build';
import { EffectivePolicyReport } from '../../../lib/report/model';
import { BackendCredentialsStack } from '../../../examples/backend-credentials/backend-credentials-stack';
import { IntranetSsoStack } from '../../../examples/intranet-sso/intranet-sso-stack';
import { PartnerSpaStack } from '../../../examples/partner-spa/partner-spa-stack';
import { PublicSaasStack } from '../../../examples/public-saas/public-saas-stack';
import { loadBundle } from '../../lambda/token-broker/support';
import type { LoadedAuthorizer } from '../../support/authorizer';
import { generateSigningKey } from '../../support/jwt';
import { LocalServices } from './callers';
import { Probe, probesFor, runProbe, trustTestKey } from './probes';

/**
 * Every example, created the way `bin/gatehouse.ts` creates it. Callers that need more than a
 * signed token get it from local services. Subscription keys come from a dynalite registry,
 * certificates from CAs named like the example's, and Basic users from a local Secrets
 * Manager. Backend credentials come from the example's own token broker bundle.
 */
const EXAMPLES: [string, (app: App) => void][] = [
  ['intranet-sso', (app) => new IntranetSsoStack(app, 'GatehouseIntranetSso')],
  ['partner-spa', (app) => new PartnerSpaStack(app, 'GatehousePartnerSpa')],
  ['public-saas', (app) => new PublicSaasStack(app, 'GatehousePublicSaas')],
  ['backend-credentials', (app) => new BackendCredentialsStack(app, 'GatehouseBackendCredentials')],
];

let services: LocalServices;

beforeAll(async () => {
  services = await LocalServices.start();
});

afterAll(async () => {
  await services.close();
});

describe('report of each example', () => {
  test.each(EXAMPLES)('%s: authorizer allows what report lists', async (_name, create) => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-example-')) });
    create(app);
    const assembly = app.synth().directory;
    const report = buildReport(assembly);
    const key = generateSigningKey('RS256');
    const callers = await services.prepare(report, assembly);
    const probed = probesFor(report, key, callers);
    const { probes } = probed;

    const mismatches: string[] = [];
    for (const gateway of report.gateways) {
      if (gateway.authorizerAsset === null) {
        continue;
      }
      const configPath = join(assembly, gateway.authorizerAsset, 'config.json');
      const config = JSON.parse(readFileSync(configPath, 'utf8')) as AuthorizerConfig;
      const trusted = callers.trustLocalAuthorities(trustTestKey(config, key));
      const ownProbes = probes.filter((probe) => probe.api in config.apis);
      const authorizer = loadAuthorizerInProject(trusted);
      for (const probe of ownProbes.filter((candidate) => !candidate.brokerDown)) {
        const mismatch = await runProbe(authorizer, probe);
        if (mismatch) mismatches.push(mismatch);
      }
      authorizer.dispose();

      // A new instance, because the first one may still cache the backend credentials it fetched.
      const withoutBroker = loadAuthorizerInProject(trusted);
      await services.withBrokerDown(async () => {
        for (const probe of ownProbes.filter((candidate) => candidate.brokerDown)) {
          const mismatch = await runProbe(withoutBroker, probe);
          if (mismatch) mismatches.push(mismatch);
        }
      });
      withoutBroker.dispose();
    }

    expect(report.gateways.length).toBeGreaterThan(0);
    expect(probes.length).toBeGreaterThan(0);
    expect(probed.denyOnly).toEqual([]);
    expect(operationsWithoutAllowProbe(report, probes)).toEqual([]);
    expect(mismatches).toEqual([]);
  });
});

/** Names the operations that no probe expects the authorizer to let in. */
function operationsWithoutAllowProbe(report: EffectivePolicyReport, probes: Probe[]): string[] {
  const allowed = new Set(
    probes.filter((probe) => probe.expected === 'allow').map((probe) => probe.operation),
  );
  return report.gateways
    .flatMap((gateway) => gateway.apis)
    .flatMap((api) =>
      api.operations
        .filter((operation) => !allowed.has(operation))
        .map((operation) => `${api.key} ${operation.method} ${operation.path}`),
    );
}

const BUNDLE = join(__dirname, '..', '..', '..', 'dist', 'bundles', 'authorizer', 'index.js');

/**
 * Loads a cold instance of the bundled authorizer from a scratch folder inside the project,
 * where its external `@aws-sdk/*` imports resolve and jest can run the SDK's dynamic imports.
 */
function loadAuthorizerInProject(config: AuthorizerConfig): LoadedAuthorizer {
  const loaded = loadBundle<Pick<LoadedAuthorizer, 'handler'>>(BUNDLE, config);
  return { handler: loaded.module.handler, directory: '', dispose: loaded.dispose };
}

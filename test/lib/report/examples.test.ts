import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { AuthorizerConfig } from '../../../lambda/policy/config';
import { buildReport } from '../../../lib/report/build';
import { BackendCredentialsStack } from '../../../examples/backend-credentials/backend-credentials-stack';
import { IntranetSsoStack } from '../../../examples/intranet-sso/intranet-sso-stack';
import { PartnerSpaStack } from '../../../examples/partner-spa/partner-spa-stack';
import { PublicSaasStack } from '../../../examples/public-saas/public-saas-stack';
import { loadAuthorizer } from '../../support/authorizer';
import { generateSigningKey } from '../../support/jwt';
import { probesFor, runProbe, trustTestKey } from './probes';

/**
 * Every example, created the way `bin/gatehouse.ts` creates it, with the operations whose
 * allowed caller the test cannot build. Such a caller needs a subscription key in a
 * registry, a client certificate from the example's CA, a Basic user in a Secrets Manager
 * secret, or a token broker for the backend credential. For those only denials are checked.
 */
// NOTE: probes that seed a dynalite registry and issue certificates from test CAs would
// check the allowed callers of these operations too.
const EXAMPLES: [string, (app: App) => void, string[]][] = [
  ['intranet-sso', (app) => new IntranetSsoStack(app, 'GatehouseIntranetSso'), []],
  [
    'partner-spa',
    (app) => new PartnerSpaStack(app, 'GatehousePartnerSpa'),
    ['readings POST /readings'],
  ],
  [
    'public-saas',
    (app) => new PublicSaasStack(app, 'GatehousePublicSaas'),
    [
      'billing GET /invoices',
      'catalog GET /products',
      'catalog GET /products/{productId}',
      'orders GET /orders',
      'orders POST /orders',
    ],
  ],
  [
    'backend-credentials',
    (app) => new BackendCredentialsStack(app, 'GatehouseBackendCredentials'),
    ['invoicing POST /invoices', 'orders GET /orders', 'reporting GET /reports'],
  ],
];

describe('report of each example', () => {
  test.each(EXAMPLES)(
    '%s: authorizer allows what report lists',
    async (_name, create, denyOnly) => {
      const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-example-')) });
      create(app);
      const assembly = app.synth().directory;
      const report = buildReport(assembly);
      const key = generateSigningKey('RS256');
      const probed = probesFor(report, key);
      const { probes } = probed;

      const mismatches: string[] = [];
      for (const gateway of report.gateways) {
        if (gateway.authorizerAsset === null) {
          continue;
        }
        const configPath = join(assembly, gateway.authorizerAsset, 'config.json');
        const config = JSON.parse(readFileSync(configPath, 'utf8')) as AuthorizerConfig;
        const authorizer = loadAuthorizer(trustTestKey(config, key));
        const ownProbes = probes.filter((probe) => probe.api in config.apis);
        for (const probe of ownProbes) {
          const mismatch = await runProbe(authorizer, probe);
          if (mismatch) mismatches.push(mismatch);
        }
        authorizer.dispose();
      }

      expect(report.gateways.length).toBeGreaterThan(0);
      expect(probes.length).toBeGreaterThan(0);
      expect(probed.denyOnly).toEqual(denyOnly);
      expect(mismatches).toEqual([]);
    },
  );
});

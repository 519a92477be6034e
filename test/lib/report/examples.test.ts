import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { AuthorizerConfig } from '../../../lambda/policy/config';
import { buildReport } from '../../../lib/report/build';
import { IntranetSsoStack } from '../../../examples/intranet-sso/intranet-sso-stack';
import { loadAuthorizer } from '../../support/authorizer';
import { generateSigningKey } from '../../support/jwt';
import { probesFor, runProbe, trustTestKey } from './probes';

/** Every example, created the way `bin/gatehouse.ts` creates it. */
const EXAMPLES: [string, (app: App) => void][] = [
  ['intranet-sso', (app) => new IntranetSsoStack(app, 'GatehouseIntranetSso')],
];

describe('report of each example', () => {
  test.each(EXAMPLES)('%s: the authorizer allows what the report lists', async (_name, create) => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-example-')) });
    create(app);
    const assembly = app.synth().directory;
    const report = buildReport(assembly);
    const key = generateSigningKey('RS256');
    const { probes, unsupported } = probesFor(report, key);

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
    expect(unsupported).toEqual([]);
    expect(mismatches).toEqual([]);
  });
});

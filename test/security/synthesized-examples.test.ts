import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { acknowledgeReviewedFindings } from '../../bin/nag-acknowledgements';
import { IntranetSsoStack } from '../../examples/intranet-sso/intranet-sso-stack';
import { PartnerSpaStack } from '../../examples/partner-spa/partner-spa-stack';
import { PublicSaasStack } from '../../examples/public-saas/public-saas-stack';
import { SECRET_PATTERNS, privateJwkMembers } from './secret-patterns';

interface Violation {
  readonly ruleName: string;
  readonly severity: string;
  readonly violatingConstructs: readonly { readonly constructPath: string }[];
}

let outdir: string;
let violations: Violation[];

/** Synthesizes every example in one app with the three packs and keeps the cloud assembly. */
beforeAll(() => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-nag-')) });
  outdir = app.outdir;
  const stacks = [
    new IntranetSsoStack(app, 'IntranetSso'),
    new PartnerSpaStack(app, 'PartnerSpa'),
    new PublicSaasStack(app, 'PublicSaas'),
  ];
  stacks.forEach(acknowledgeReviewedFindings);
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new ServerlessChecks(app),
    new NIST80053R5Checks(app),
  );
  violations = [];
  try {
    app.synth();
  } catch (error) {
    const report = join(app.outdir, 'validation-report.json');
    if (!existsSync(report)) {
      throw error;
    }
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
      pluginReports: { violations: Violation[] }[];
    };
    violations = parsed.pluginReports.flatMap((plugin) => plugin.violations);
  }
});

/** Lists every file under `directory`, recursively. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('synthesized examples', () => {
  test('pass AwsSolutions, Serverless and NIST 800-53 rev 5', () => {
    const named = violations.flatMap((violation) =>
      violation.violatingConstructs.map(
        (construct) => `${violation.ruleName} ${construct.constructPath}`,
      ),
    );

    expect(named).toEqual([]);
  });

  test('templates and assets hold no secret material', () => {
    const files = filesUnder(outdir).filter((path) => /\.(json|js|pem)$/.test(path));

    const hits = files.flatMap((path) => {
      const text = readFileSync(path, 'utf8');
      return SECRET_PATTERNS.filter(({ pattern }) => pattern.test(text)).map(
        ({ name }) => `${name} in ${path.slice(outdir.length)}`,
      );
    });

    expect(files.some((path) => path.endsWith('config.json'))).toBe(true);
    expect(hits).toEqual([]);
  });

  test('authorizer configs carry public keys only', () => {
    const configs = filesUnder(outdir).filter((path) => path.endsWith('config.json'));

    const privateMembers = configs.flatMap((path) => privateJwkMembers(readFileSync(path, 'utf8')));

    expect(configs.length).toBeGreaterThan(0);
    expect(privateMembers).toEqual([]);
  });
});

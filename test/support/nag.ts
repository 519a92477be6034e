import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/** A cdk-nag finding that no acknowledgement matched, as listed in CDK's validation report. */
export interface NagViolation {
  readonly ruleName: string;
  readonly severity: string;
  readonly violatingConstructs: readonly { readonly constructPath?: string }[];
}

/** Returns an app that writes its cloud assembly into a new temporary folder. */
export function newTestApp(): App {
  return new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-test-app-')) });
}

/**
 * Synthesizes `app` with the given cdk-nag packs (the AwsSolutions pack when none is given)
 * and returns the findings no acknowledgement matched, read from the validation report CDK
 * writes when a plugin fails. If the synth fails without writing a report, its error is rethrown.
 */
export function nagViolations(
  app: App,
  ...packs: Parameters<Validations['addPlugins']>
): NagViolation[] {
  Validations.of(app).addPlugins(...(packs.length > 0 ? packs : [new AwsSolutionsChecks(app)]));
  try {
    app.synth();
    return [];
  } catch (error) {
    const report = join(app.outdir, 'validation-report.json');
    if (!existsSync(report)) {
      throw error;
    }
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
      pluginReports: { violations: NagViolation[] }[];
    };
    return parsed.pluginReports.flatMap((plugin) => plugin.violations);
  }
}

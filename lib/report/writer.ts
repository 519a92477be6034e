import {
  Stage,
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildReport } from './build';
import { renderReportMarkdown } from './markdown';
import { EffectivePolicyReport } from './model';

/** File names of the report inside the cloud assembly directory. */
export const REPORT_JSON_FILE = 'gatehouse-report.json';
export const REPORT_MARKDOWN_FILE = 'gatehouse-report.md';

/**
 * Builds the effective-policy report of a cloud assembly and writes it into the assembly
 * directory as `gatehouse-report.json` and `gatehouse-report.md`.
 */
export function writeReport(assemblyDirectory: string): EffectivePolicyReport {
  const report = buildReport(assemblyDirectory);
  writeFileSync(join(assemblyDirectory, REPORT_JSON_FILE), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(assemblyDirectory, REPORT_MARKDOWN_FILE), renderReportMarkdown(report));
  return report;
}

/**
 * Writes the effective-policy report next to the templates on every synth. CDK calls
 * validation plugins once the cloud assembly is complete, which is the first moment the
 * report can be built from the assembly alone, exactly as `gatehouse report` builds it
 * later. The plugin never reports a violation.
 *
 * @example
 * Validations.of(app).addPlugins(new EffectivePolicyReportPlugin());
 */
export class EffectivePolicyReportPlugin implements IPolicyValidationPlugin {
  public readonly name = 'Gatehouse-Report';

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    writeReport(assemblyDirectoryOf(context));
    return { success: true, violations: [] };
  }
}

/** Returns the cloud assembly directory that a validation plugin is called for. */
export function assemblyDirectoryOf(context: IPolicyValidationContext): string {
  const app = context.appConstruct;
  if (app && Stage.isStage(app)) {
    return app.outdir;
  }
  return dirname(context.templatePaths[0]);
}

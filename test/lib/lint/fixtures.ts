import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { JwtValidatorConfig } from '../../../lambda/policy/config';
import { IJwtValidator } from '../../../lib/core/access-policy';
import { JwtValidator } from '../../../lib/jwt-validator/jwt-validator';
import { LintFinding, lintReport } from '../../../lib/lint';
import { buildReport } from '../../../lib/report/build';
import { Declare, synthAssembly } from '../report/fixtures';

/** Synthesizes the declarations and returns the Gatehouse findings on the assembly. */
export function findingsOf(declare: Declare): LintFinding[] {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-lint-')) });
  const assembly = synthAssembly(declare, app);
  return lintReport(buildReport(assembly), app);
}

/** Returns the messages of the findings of one rule. */
export function findingsOfRule(findings: LintFinding[], rule: string): string[] {
  return findings.filter((finding) => finding.rule === rule).map((finding) => finding.message);
}

/**
 * A validator of the kind a team writes against `IJwtValidator`: it wraps a `JwtValidator`
 * and rewrites its compiled settings, which gets past the checks of `JwtValidator` itself.
 */
export class RewrittenValidator extends Construct implements IJwtValidator {
  constructor(
    scope: Stack,
    id: string,
    private readonly inner: JwtValidator,
    private readonly rewrite: (config: JwtValidatorConfig) => JwtValidatorConfig,
  ) {
    super(scope, id);
  }

  public _compile(): JwtValidatorConfig {
    return this.rewrite(this.inner._compile());
  }

  public _identitySources(): string[] | undefined {
    return this.inner._identitySources();
  }

  public _forwardedHeaders(): Record<string, string> {
    return this.inner._forwardedHeaders();
  }
}

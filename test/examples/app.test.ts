import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Returns the rule names of unacknowledged findings in the validation report, if any. */
function violationsIn(outdir: string): string[] {
  const report = join(outdir, 'validation-report.json');
  if (!existsSync(report)) {
    return [];
  }
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
    pluginReports: { pluginName: string; violations: { ruleName: string }[] }[];
  };
  return parsed.pluginReports.flatMap((plugin) =>
    plugin.violations.map((violation) => `${plugin.pluginName}: ${violation.ruleName}`),
  );
}

describe('CDK app', () => {
  test('synthesizes every example with no nag finding', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'gatehouse-app-'));

    const run = spawnSync('npx', ['tsx', 'bin/gatehouse.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_OUTDIR: outdir },
      encoding: 'utf8',
      timeout: 240_000,
    });

    expect(run.status).toBe(0);
    expect(violationsIn(outdir)).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    const stacks = Object.values(manifest.artifacts as Record<string, { type: string }>).filter(
      (artifact) => artifact.type === 'aws:cloudformation:stack',
    );
    expect(stacks.length).toBeGreaterThan(0);
  }, 300_000);
});

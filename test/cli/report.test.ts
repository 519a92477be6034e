import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { runReportCommand } from '../../cli/report';
import { Backend } from '../../lib/api/backend';
import { AccessPolicy } from '../../lib/core/access-policy';
import { buildReport } from '../../lib/report/build';
import { AUDIENCE, gatewayWith, synthAssembly, validator } from '../lib/report/fixtures';

const ROOT = join(__dirname, '..', '..');

/** Declares the shop API; `audiences` and `open` change who may call. */
function shop(audiences: string[], open = false) {
  return (stack: Stack) => {
    const sso = validator(stack, { audiences });
    const api = gatewayWith(stack, sso).addApi('orders');
    api.addOperation('GET', '/orders', {
      backend: Backend.http('https://orders.internal.example.com/orders'),
      policy: open ? AccessPolicy.anonymous() : undefined,
    });
  };
}

/** Copies an assembly into a directory of its own, with no source around it. */
function copyOf(assembly: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'gatehouse-copy-')), 'cdk.out');
  cpSync(assembly, copy, { recursive: true });
  return copy;
}

/** Runs the command in this process and returns its status and output. */
function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = runReportCommand(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { status, stdout, stderr };
}

describe('gatehouse report', () => {
  let before: string;
  let after: string;

  beforeAll(() => {
    before = copyOf(synthAssembly(shop([AUDIENCE])));
    after = copyOf(synthAssembly(shop([AUDIENCE, 'api://legacy'], true)));
  });

  test('prints the report of a copied cdk.out from another directory', () => {
    const cli = join(ROOT, 'bin', 'gatehouse-cli.ts');
    const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
    const elsewhere = mkdtempSync(join(tmpdir(), 'gatehouse-cwd-'));

    const stdout = execFileSync(tsx, [cli, 'report', before], { cwd: elsewhere, encoding: 'utf8' });

    expect(stdout).toContain('# Gatehouse effective-policy report');
    expect(stdout).toContain('#### GET /orders');
    expect(stdout).toContain(`audiences: \`${AUDIENCE}\``);
  });

  test('prints the report as JSON with --json', () => {
    const { status, stdout } = run([before, '--json']);

    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual(buildReport(before));
  });

  test('writes to a file with --output', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gatehouse-out-')), 'report.md');

    const { status, stdout } = run([before, '--output', file]);

    expect(status).toBe(0);
    expect(stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toContain('#### GET /orders');
  });

  test('prints widening first with --diff', () => {
    const { status, stdout } = run(['--diff', before, after]);

    expect(status).toBe(0);
    expect(stdout).toContain('1 wider, 0 narrower, 0 changed.');
    expect(stdout).toContain('| operation made anonymous |');
  });

  test('exits with 1 on widening with --fail-on-wider', () => {
    expect(run(['--diff', before, after, '--fail-on-wider']).status).toBe(1);
    expect(run(['--diff', after, before, '--fail-on-wider']).status).toBe(0);
  });

  test('compares saved report files', () => {
    const folder = mkdtempSync(join(tmpdir(), 'gatehouse-saved-'));
    writeFileSync(join(folder, 'old.json'), JSON.stringify(buildReport(before)));

    const { status, stdout } = run(['--diff', join(folder, 'old.json'), after, '--json']);

    expect(status).toBe(0);
    expect(JSON.parse(stdout).changes[0]).toMatchObject({
      direction: 'wider',
      operation: 'GET /orders',
      summary: 'operation made anonymous',
    });
  });

  test('rejects a saved report of another format version', () => {
    const folder = mkdtempSync(join(tmpdir(), 'gatehouse-saved-'));
    const file = join(folder, 'old.json');
    writeFileSync(file, JSON.stringify({ formatVersion: 99, gateways: [] }));

    const { status, stderr } = run(['--diff', file, after]);

    expect(status).toBe(2);
    expect(stderr).toBe(`gatehouse report: ${file} has report format version 99, expected 1\n`);
  });

  test('rejects a path that does not exist', () => {
    const { status, stderr } = run(['--diff', '/nonexistent/cdk.out', after]);

    expect(status).toBe(2);
    expect(stderr).toBe('gatehouse report: /nonexistent/cdk.out not found\n');
  });

  test('rejects a directory that is not a cloud assembly', () => {
    const empty = mkdtempSync(join(tmpdir(), 'gatehouse-empty-'));

    const { status, stderr } = run([empty]);

    expect(status).toBe(2);
    expect(stderr).toBe(
      `gatehouse report: ${empty} is not a cloud assembly: manifest.json not found\n`,
    );
  });

  test.each([
    [[], 'expected one cloud assembly directory, got 0 argument(s)'],
    [['--diff', 'one'], 'expected two paths (old and new), got 1 argument(s)'],
    [['a', '--fail-on-wider'], '--fail-on-wider is only allowed with --diff'],
    [['a', '--colour'], "Unknown option '--colour'"],
  ])('rejects the arguments %j', (args, message) => {
    const { status, stderr } = run(args);

    expect(status).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage:');
  });
});

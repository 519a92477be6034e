import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Backend } from '../../lib/api/backend';
import { AccessPolicy } from '../../lib/core/access-policy';
import { ApiPlacement, Gateway } from '../../lib/gateway/gateway';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'print-synth-summary.mjs');
// The CDK CLI sets this context, which adds `aws:asset:path` to each nested stack resource.
const ASSET_METADATA_CONTEXT = { 'aws:cdk:enable-asset-metadata': true };

interface Template {
  readonly Resources: Record<string, { readonly Type: string }>;
}

/** Synthesizes a gateway with two APIs, placed as given, and returns the assembly directory. */
function synthGateway(apiPlacement: ApiPlacement, context: Record<string, unknown> = {}): string {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-summary-')), context });
  const stack = new Stack(app, 'Shop');
  const gateway = new Gateway(stack, 'Gateway', {
    defaultPolicy: AccessPolicy.anonymous(),
    apiPlacement,
  });
  gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });
  gateway.addApi('catalog').addOperation('GET', '/items', { backend: Backend.mock() });
  return app.synth().directory;
}

/** Runs the script on an assembly from inside it, so it prints bare file names. */
function printSummary(assembly: string): { status: number | null; lines: string[] } {
  const result = spawnSync(process.execPath, [SCRIPT, assembly], {
    cwd: assembly,
    encoding: 'utf8',
  });
  return { status: result.status, lines: `${result.stdout}${result.stderr}`.trim().split('\n') };
}

function readTemplate(assembly: string, file: string): Template {
  return JSON.parse(readFileSync(join(assembly, file), 'utf8')) as Template;
}

/** Returns the logical ids of the nested stack resources of a template. */
function nestedStackIds(template: Template): string[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::CloudFormation::Stack')
    .map(([logicalId]) => logicalId);
}

/** Parses the template file and resource count from the `nested <id>: ...` line of a stack. */
function nestedLine(lines: string[], logicalId: string): { file: string; resources: number } {
  const line = lines.find((candidate) => candidate.startsWith(`    nested ${logicalId}: `));
  const match = /: (\S+\.nested\.template\.json) \((\d+) resources\)$/.exec(line ?? '');
  if (!match) {
    throw new Error(`no summary line for nested stack ${logicalId}:\n${lines.join('\n')}`);
  }
  return { file: match[1], resources: Number(match[2]) };
}

describe('print-synth-summary', () => {
  let assembly: string | undefined;

  afterEach(() => {
    if (assembly) {
      rmSync(assembly, { recursive: true, force: true });
    }
  });

  test.each([
    ['from the template URL', {}],
    ['from asset metadata', ASSET_METADATA_CONTEXT],
  ])('lists nested templates found %s', (_source, context) => {
    assembly = synthGateway(ApiPlacement.NESTED_STACK_PER_API, context);

    const { status, lines } = printSummary(assembly);

    expect(status).toBe(0);
    expect(lines[0]).toBe('synthesized 1 stack(s) and 2 nested stack(s) into .:');
    const parent = readTemplate(assembly, 'Shop.template.json');
    expect(lines[1]).toBe(
      `  Shop: Shop.template.json (${Object.keys(parent.Resources).length} resources)`,
    );
    const ids = nestedStackIds(parent);
    expect(ids).toHaveLength(2);
    for (const logicalId of ids) {
      const { file, resources } = nestedLine(lines, logicalId);
      const nested = readTemplate(assembly, file);
      expect(resources).toBe(Object.keys(nested.Resources).length);
      expect(Object.values(nested.Resources).map((resource) => resource.Type)).toContain(
        'AWS::ApiGateway::RestApi',
      );
    }
  });

  test('lists no nested template when flat', () => {
    assembly = synthGateway(ApiPlacement.GATEWAY_STACK);

    const { status, lines } = printSummary(assembly);

    expect(status).toBe(0);
    expect(lines[0]).toBe('synthesized 1 stack(s) into .:');
    expect(lines.filter((line) => line.includes('nested'))).toEqual([]);
  });

  test('reports a missing nested template', () => {
    assembly = synthGateway(ApiPlacement.NESTED_STACK_PER_API);
    const [first, second] = nestedStackIds(readTemplate(assembly, 'Shop.template.json'));
    const { file } = nestedLine(printSummary(assembly).lines, first);
    rmSync(join(assembly, file));

    const { status, lines } = printSummary(assembly);

    expect(status).toBe(0);
    expect(lines).toContain(`    nested ${first}: template not found in the assembly`);
    expect(nestedLine(lines, second).file).toMatch(/\.nested\.template\.json$/);
  });

  test('fails without a cloud assembly', () => {
    assembly = mkdtempSync(join(tmpdir(), 'gatehouse-summary-'));

    const { status, lines } = printSummary(assembly);

    expect(status).toBe(1);
    expect(lines).toEqual(["no cloud assembly at .; run 'npx cdk synth' first"]);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface BuildResult {
  readonly files?: string[];
  readonly shared?: string[];
  readonly error?: string;
}

/** Runs `buildAuthorizer` in a child process, because jest here cannot import an ES module. */
function buildInChild(outdir: string, options: Record<string, unknown> = {}): BuildResult {
  const script = [
    `import { buildAuthorizer } from ${JSON.stringify(join(ROOT, 'scripts', 'authorizer-bundle.mjs'))};`,
    'try {',
    `  const result = await buildAuthorizer(${JSON.stringify(ROOT)}, ${JSON.stringify(outdir)}, ${JSON.stringify(options)});`,
    '  console.log(JSON.stringify(result));',
    '} catch (error) {',
    '  console.log(JSON.stringify({ error: error.message }));',
    '}',
  ].join('\n');
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(output.trim().split('\n').pop() ?? '{}') as BuildResult;
}

describe('buildAuthorizer', () => {
  let outdir: string;

  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'gatehouse-authorizer-build-'));
  });

  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  test('writes the core and each capability file', () => {
    const result = buildInChild(outdir);

    expect(result.error).toBeUndefined();
    expect(readdirSync(outdir).sort()).toEqual(
      ['backend.js', 'basic.js', 'certificate.js', 'index.js', 'subscription.js'].sort(),
    );
  });

  test('exports modules shared with capability files', () => {
    const result = buildInChild(outdir);

    expect(result.shared?.map((path) => path.slice(ROOT.length + 1))).toEqual([
      'lambda/policy/failure.ts',
      'lambda/policy/jwt/token-source.ts',
    ]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const core = require(join(outdir, 'index.js')) as { sharedModules: Record<string, object> };
    expect(Object.keys(core.sharedModules).sort()).toEqual([
      'lambda/policy/failure.ts',
      'lambda/policy/jwt/token-source.ts',
    ]);
  });

  test('keeps capability code out of the core', () => {
    buildInChild(outdir);

    const core = readFileSync(join(outdir, 'index.js'), 'utf8');
    expect(core).not.toContain('BASIC_MISSING');
    expect(core).not.toContain('SUBSCRIPTION_KEY_MISSING');
    expect(core).not.toContain('CERTIFICATE_BINDING_MISMATCH');
    expect(core).not.toContain('BACKEND_CREDENTIAL_UNAVAILABLE');
    expect(core).toContain('require("./basic.js")');
    expect(core).toContain('require("./certificate.js")');
  });

  test('fails on a module bundled twice', () => {
    const result = buildInChild(outdir, {
      capabilities: [
        { file: 'a.js', modules: ['lambda/token-broker/connections.ts'], features: ['basic'] },
        { file: 'b.js', modules: ['lambda/token-broker/secrets.ts'], features: ['basic'] },
      ],
    });

    expect(result.error).toBe(
      'lambda/token-broker/errors.ts is bundled into both a.js and b.js; move it to the core or into one capability file',
    );
  });

  test('fails on imports between capability files', () => {
    const result = buildInChild(outdir, {
      capabilities: [
        { file: 'a.js', modules: ['lambda/policy/basic/index.ts'], features: ['basic'] },
        { file: 'b.js', modules: ['lambda/policy/basic/parse.ts'], features: ['basic'] },
      ],
    });

    expect(result.error).toContain(
      'a.js imports lambda/policy/basic/parse.ts, which belongs to b.js',
    );
  });
});

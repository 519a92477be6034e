/**
 * Profiles our authorizer's warm path and prints where the time goes, by function, in an
 * unminified build of the same source. Not part of `npm run bench`; run it with
 * `npx tsx bench/profile.ts [RS256|ES256] [decisions]`.
 */
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ChildHandle } from './lib/child';
import { ROOT } from './lib/bundles';
import { jwksPath } from './lib/handlers';
import { JwksServer, makeLoopbackCertificate, removeLoopbackCertificate } from './lib/jwks-server';
import { BenchAlgorithm, generateSigningKey } from './lib/tokens';
import type { ProfileParams } from './children/profile';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

async function profile(algorithm: BenchAlgorithm, decisions: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-profile-'));
  const bundle = join(dir, 'authorizer', 'index.js');
  await build({
    entryPoints: [join(ROOT, 'lambda', 'authorizer', 'index.ts')],
    outfile: bundle,
    bundle: true,
    minify: false,
    keepNames: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
  });

  const certificate = makeLoopbackCertificate();
  const server = new JwksServer(certificate);
  await server.start();
  const key = generateSigningKey(algorithm);
  server.setKeys(jwksPath('profile'), [key.jwk]);
  const child = ChildHandle.start(join(__dirname, 'children', 'profile.ts'), {
    execArgv: ['--cpu-prof', '--cpu-prof-dir', dir],
    env: { NODE_EXTRA_CA_CERTS: certificate.certFile },
  });
  try {
    const params: ProfileParams = {
      bundle,
      jwksUrl: server.url(jwksPath('profile')),
      key: {
        alg: key.alg,
        kid: key.kid,
        privateKeyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
      decisions,
    };
    const allowed = await child.call<number>('run', params, 600_000);
    console.log(`${allowed} of ${decisions} ${algorithm} decisions allowed`);
    await child.call('exit').catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    await child.stop();
    await server.stop();
    removeLoopbackCertificate(certificate);
  }

  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) {
    throw new Error(`no .cpuprofile was written to ${dir}`);
  }
  printSelfTime(
    JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] },
    basename(bundle),
  );
}

/**
 * Prints the functions with the most self time among the samples taken while a frame of the
 * authorizer bundle was on the stack, so set-up and token signing are left out. Time after
 * an `await` resumes under the bundle's own async frames, so it is counted too.
 */
function printSelfTime(profile: { nodes: ProfileNode[] }, bundlePath: string): void {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  let inside = 0;
  let all = 0;
  const visit = (node: ProfileNode, underBundle: boolean) => {
    const frame = node.callFrame;
    const inBundle = underBundle || frame.url.endsWith(bundlePath);
    const hits = node.hitCount ?? 0;
    all += hits;
    if (inBundle) {
      const where = frame.url ? `${basename(frame.url)}:${frame.lineNumber + 1}` : '(native)';
      const name = `${frame.functionName || '(anonymous)'} ${where}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
      inside += hits;
    }
    for (const child of node.children ?? []) {
      const next = nodes.get(child);
      if (next) {
        visit(next, inBundle);
      }
    }
  };
  visit(profile.nodes[0], false);

  console.log(`${inside} of ${all} samples ran in or below the authorizer bundle`);
  console.log('share  function');
  const rows = [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [name, hits] of rows) {
    console.log(`${((100 * hits) / inside).toFixed(1).padStart(5)}%  ${name}`);
  }
}

const algorithm = (process.argv[2] ?? 'RS256') as BenchAlgorithm;
profile(algorithm, Number(process.argv[3] ?? 20000)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

// Bundles every Lambda handler under lambda/<name>/index.ts into dist/bundles/<name>/index.js.
// The constructs copy these bundles into their assets, so the package ships prebuilt code and
// a user's synth needs no bundler.
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const handlers = readdirSync(join(root, 'lambda'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .filter((name) => existsSync(join(root, 'lambda', name, 'index.ts')));

// NOTE: the authorizer bundle is about 45 KB, against 18 KB for an aws-jwt-verify handler, because
// every evaluator is in the one file. Emitting the non-JWT evaluators as separate files loaded on
// first use, with the shared policy modules in one common file, would bring a JWT-only load near it.
for (const name of handlers) {
  await build({
    entryPoints: [join(root, 'lambda', name, 'index.ts')],
    outfile: join(root, 'dist', 'bundles', name, 'index.js'),
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // The Lambda Node.js 20 runtime provides AWS SDK v3.
    external: ['@aws-sdk/*'],
    legalComments: 'none',
    logLevel: 'warning',
  });
}
console.log(`bundled ${handlers.length} handler(s): ${handlers.join(', ') || 'none'}`);

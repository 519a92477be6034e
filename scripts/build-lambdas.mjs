// Bundles every Lambda handler under lambda/<name>/index.ts into dist/bundles/<name>/index.js.
// The constructs copy these bundles into their assets, so the package ships prebuilt code and
// a user's synth needs no bundler.
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_OPTIONS, buildAuthorizer } from './authorizer-bundle.mjs';

const root = new URL('..', import.meta.url).pathname;
const handlers = readdirSync(join(root, 'lambda'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .filter((name) => existsSync(join(root, 'lambda', name, 'index.ts')));

// The authorizer is split: dist/bundles/authorizer/index.js is the core a JWT-only gateway
// loads, and each other capability is a file beside it that the core requires on first use.
// NOTE: the split applies only to the authorizer. The token broker and management bundles are
// single files, and no capability file is shared between handlers.
for (const name of handlers) {
  const outdir = join(root, 'dist', 'bundles', name);
  if (name === 'authorizer') {
    await buildAuthorizer(root, outdir);
    continue;
  }
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(root, 'lambda', name, 'index.ts')],
    outfile: join(outdir, 'index.js'),
  });
}
console.log(`bundled ${handlers.length} handler(s): ${handlers.join(', ') || 'none'}`);

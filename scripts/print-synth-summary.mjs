// Prints where `cdk synth` wrote each stack's template and assets, read from the cloud
// assembly manifest in cdk.out.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'cdk.out');
const manifestPath = join(outdir, 'manifest.json');
if (!existsSync(manifestPath)) {
  console.error(
    `no cloud assembly at ${relative(process.cwd(), outdir)}; run 'npx cdk synth' first`,
  );
  process.exit(1);
}

const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const stacks = Object.entries(manifest.artifacts ?? {}).filter(
  ([, artifact]) => artifact.type === 'aws:cloudformation:stack',
);
console.log(
  `synthesized ${stacks.length} stack(s) into ${relative(process.cwd(), outdir) || '.'}:`,
);
for (const [name, artifact] of stacks) {
  const template = join(outdir, artifact.properties.templateFile);
  const resources = Object.keys(JSON.parse(readFileSync(template, 'utf8')).Resources ?? {});
  console.log(`  ${name}: ${relative(process.cwd(), template)} (${resources.length} resources)`);
  const assetsFile = join(outdir, `${name}.assets.json`);
  if (existsSync(assetsFile)) {
    const files = JSON.parse(readFileSync(assetsFile, 'utf8')).files ?? {};
    for (const asset of Object.values(files)) {
      if (asset.source.packaging === 'zip') {
        console.log(`    asset: ${relative(process.cwd(), join(outdir, asset.source.path))}`);
      }
    }
  }
}
const report = join(outdir, 'gatehouse-report.md');
if (existsSync(report)) {
  console.log(`effective-policy report: ${relative(process.cwd(), report)}`);
}

// Prints where `cdk synth` wrote each stack's template, its nested stacks' templates and its
// assets, read from the cloud assembly manifest.
//
// Usage: node scripts/print-synth-summary.mjs [assembly directory, default cdk.out]
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = process.argv[2] ? resolve(process.argv[2]) : join(root, 'cdk.out');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const displayPath = (path) => relative(process.cwd(), path) || '.';

const manifestPath = join(outdir, 'manifest.json');
if (!existsSync(manifestPath)) {
  console.error(`no cloud assembly at ${displayPath(outdir)}; run 'npx cdk synth' first`);
  process.exit(1);
}

/** Maps the S3 object key of each file asset in an asset manifest to its local path. */
function assetPathsByObjectKey(assetsFile) {
  const paths = new Map();
  if (!existsSync(assetsFile)) {
    return paths;
  }
  for (const asset of Object.values(readJson(assetsFile).files ?? {})) {
    for (const destination of Object.values(asset.destinations ?? {})) {
      if (destination.objectKey) {
        paths.set(destination.objectKey, join(outdir, asset.source.path));
      }
    }
  }
  return paths;
}

/**
 * Returns the local template of an `AWS::CloudFormation::Stack` resource: from the
 * `aws:asset:path` metadata that the CDK CLI adds, else from the object key at the end of
 * its `TemplateURL`. Returns undefined when neither names a file in the assembly.
 */
function nestedTemplatePath(resource, assetPaths) {
  const metadataPath = resource.Metadata?.['aws:asset:path'];
  if (typeof metadataPath === 'string' && existsSync(join(outdir, metadataPath))) {
    return join(outdir, metadataPath);
  }
  // CDK writes the URL as Fn::Join of the bucket's host and a last part `/<hash>.json`.
  const parts = stringLeaves(resource.Properties?.TemplateURL);
  const objectKey = /([^/]+\.json)$/.exec(parts[parts.length - 1] ?? '')?.[1];
  const path = objectKey ? assetPaths.get(objectKey) : undefined;
  return path && existsSync(path) ? path : undefined;
}

/** Returns the strings inside a value, depth first, in order. */
function stringLeaves(value) {
  if (typeof value === 'string') {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap(stringLeaves);
  }
  return value && typeof value === 'object' ? Object.values(value).flatMap(stringLeaves) : [];
}

/**
 * Adds a line for each nested stack of a template to `lines`, at any depth, and returns how
 * many nested stacks it found. A line names the logical id of the nested stack resource in
 * its parent template.
 */
function addNestedStackLines(template, assetPaths, indent, lines) {
  let count = 0;
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::CloudFormation::Stack') {
      continue;
    }
    count += 1;
    const path = nestedTemplatePath(resource, assetPaths);
    if (!path) {
      lines.push(`${indent}nested ${logicalId}: template not found in the assembly`);
      continue;
    }
    const nested = readJson(path);
    const resources = Object.keys(nested.Resources ?? {}).length;
    lines.push(`${indent}nested ${logicalId}: ${displayPath(path)} (${resources} resources)`);
    count += addNestedStackLines(nested, assetPaths, `${indent}  `, lines);
  }
  return count;
}

const manifest = readJson(manifestPath);
const stacks = Object.entries(manifest.artifacts ?? {}).filter(
  ([, artifact]) => artifact.type === 'aws:cloudformation:stack',
);
const lines = [];
let nestedCount = 0;
for (const [name, artifact] of stacks) {
  const templatePath = join(outdir, artifact.properties.templateFile);
  const template = readJson(templatePath);
  const resources = Object.keys(template.Resources ?? {}).length;
  lines.push(`  ${name}: ${displayPath(templatePath)} (${resources} resources)`);
  const assetsFile = join(outdir, `${name}.assets.json`);
  nestedCount += addNestedStackLines(template, assetPathsByObjectKey(assetsFile), '    ', lines);
  if (existsSync(assetsFile)) {
    for (const asset of Object.values(readJson(assetsFile).files ?? {})) {
      if (asset.source.packaging === 'zip') {
        lines.push(`    asset: ${displayPath(join(outdir, asset.source.path))}`);
      }
    }
  }
}
const nestedSummary = nestedCount > 0 ? ` and ${nestedCount} nested stack(s)` : '';
console.log(`synthesized ${stacks.length} stack(s)${nestedSummary} into ${displayPath(outdir)}:`);
lines.forEach((line) => console.log(line));
const report = join(outdir, 'gatehouse-report.md');
if (existsSync(report)) {
  console.log(`effective-policy report: ${displayPath(report)}`);
}

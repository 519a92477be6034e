// Builds the authorizer as a core bundle `index.js` and one CommonJS file per capability
// beside it (see CAPABILITY_FILES in lambda/authorizer/capability-files.ts).
//
// In the core, a `require()` of a capability module becomes `require("./<file>")`, which runs
// on first use. A static import of one becomes a generated module whose functions require the
// file on their first call. A capability file takes every module it shares with the core from
// the core's `sharedModules` export, so both use one `AccessDenied` class and one copy of any
// module state. The build fails when two capability files would contain copies of one module.
import { build } from 'esbuild';
import { Buffer } from 'node:buffer';
import { mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';

/**
 * esbuild options of every Lambda bundle. bench/lib/bundles.ts repeats them by hand for the
 * peer libraries' handlers, so change both together.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // The Lambda Node.js runtime provides AWS SDK v3.
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  logLevel: 'warning',
};

const PROXY_NAMESPACE = 'gatehouse-capability-proxy';
const SHARED_NAMESPACE = 'gatehouse-core-module';

/**
 * Writes the core and the capability files into `outdir`, replacing what was there.
 * `minify: false` gives readable files with their function names, for CPU profiles.
 * `capabilities` replaces CAPABILITY_FILES, for tests of this script.
 */
export async function buildAuthorizer(root, outdir, { minify = true, capabilities } = {}) {
  const options = { ...BUNDLE_OPTIONS, minify, keepNames: !minify, absWorkingDir: root };
  capabilities ??= await readCapabilityFiles(root);
  const owners = new Map(
    capabilities.flatMap(({ file, modules }) =>
      modules.map((module) => [join(root, module), file]),
    ),
  );
  const entry = join(root, 'lambda', 'authorizer', 'index.ts');

  const coreScan = await build({
    ...options,
    entryPoints: [entry],
    write: false,
    metafile: true,
    outfile: join(outdir, 'index.js'),
    plugins: [corePlugin(owners, options)],
  });
  const coreModules = new Set(sourceFiles(root, coreScan.metafile.inputs));

  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });

  const shared = new Set();
  const holders = new Map();
  for (const { file, modules } of capabilities) {
    const result = await build({
      ...options,
      stdin: {
        contents: modules
          .map((module) => `export * from ${JSON.stringify(join(root, module))};`)
          .join('\n'),
        resolveDir: root,
        sourcefile: `capability-${file}`,
        loader: 'js',
      },
      outfile: join(outdir, file),
      metafile: true,
      plugins: [capabilityPlugin(root, file, owners, coreModules, shared)],
    });
    for (const module of sourceFiles(root, result.metafile.inputs)) {
      const other = holders.get(module);
      if (other !== undefined) {
        throw new Error(
          `${relative(root, module)} is bundled into both ${other} and ${file}; move it to the core or into one capability file`,
        );
      }
      holders.set(module, file);
    }
  }

  const sharedList = [...shared].sort();
  const coreEntry = [
    `export * from ${JSON.stringify(entry)};`,
    ...sharedList.map(
      (module, index) => `import * as shared${index} from ${JSON.stringify(module)};`,
    ),
    'export const sharedModules = {',
    ...sharedList.map(
      (module, index) => `  ${JSON.stringify(relative(root, module))}: shared${index},`,
    ),
    '};',
  ].join('\n');
  await build({
    ...options,
    stdin: {
      contents: coreEntry,
      resolveDir: root,
      sourcefile: 'authorizer-core.js',
      loader: 'js',
    },
    outfile: join(outdir, 'index.js'),
    plugins: [corePlugin(owners, options)],
  });
  return { files: ['index.js', ...capabilities.map(({ file }) => file)], shared: sharedList };
}

/** Reads CAPABILITY_FILES from its TypeScript source, so the list is written down once. */
async function readCapabilityFiles(root) {
  const result = await build({
    entryPoints: [join(root, 'lambda', 'authorizer', 'capability-files.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'warning',
  });
  const source = Buffer.from(result.outputFiles[0].contents).toString('base64');
  const { CAPABILITY_FILES } = await import(`data:text/javascript;base64,${source}`);
  return CAPABILITY_FILES;
}

/** Returns the absolute paths of the source files among a metafile's inputs. */
function sourceFiles(root, inputs) {
  return Object.keys(inputs)
    .filter((input) => !input.includes(':') || isAbsolute(input))
    .map((input) => resolve(root, input));
}

/** Resolves a relative import as esbuild would, or returns undefined when it cannot. */
async function resolveSource(pluginBuild, args) {
  const result = await pluginBuild.resolve(args.path, {
    kind: args.kind,
    importer: args.importer,
    resolveDir: args.resolveDir,
    pluginData: { resolving: true },
  });
  return result.errors.length === 0 && !result.external ? result.path : undefined;
}

/** Keeps capability modules out of the core, as the header of this file describes. */
function corePlugin(owners, options) {
  return {
    name: 'gatehouse-core',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\./ }, async (args) => {
        if (args.namespace === PROXY_NAMESPACE) {
          return { path: args.path, external: true };
        }
        if (args.pluginData?.resolving) {
          return undefined;
        }
        const path = await resolveSource(pluginBuild, args);
        const file = path === undefined ? undefined : owners.get(path);
        if (file === undefined) {
          return undefined;
        }
        return args.kind === 'require-call'
          ? { path: `./${file}`, external: true }
          : { path, namespace: PROXY_NAMESPACE, pluginData: { file } };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: PROXY_NAMESPACE }, async (args) => ({
        contents: proxySource(args.pluginData.file, await exportNames(args.path, options)),
        loader: 'js',
      }));
    },
  };
}

/**
 * Returns a module that requires `file` on the first call of any of its functions and
 * forwards every call. A missing or broken file makes each call throw the `require` error,
 * which names the file. Only functions can be forwarded this way, so the core may import
 * nothing but functions from a capability module statically.
 */
function proxySource(file, names) {
  return [
    'let loaded;',
    ...names.map(
      (name) =>
        `export function ${name}(...args) { loaded ??= require(${JSON.stringify(`./${file}`)}); return loaded.${name}(...args); }`,
    ),
  ].join('\n');
}

async function exportNames(path, options) {
  const result = await build({
    ...options,
    entryPoints: [path],
    format: 'esm',
    write: false,
    metafile: true,
    outfile: 'exports.js',
  });
  return Object.values(result.metafile.outputs)[0].exports;
}

/** Points a capability file's imports of core modules at the core's `sharedModules` export. */
function capabilityPlugin(root, file, owners, coreModules, shared) {
  return {
    name: 'gatehouse-capability',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\./ }, async (args) => {
        if (args.namespace === SHARED_NAMESPACE) {
          return { path: args.path, external: true };
        }
        if (args.pluginData?.resolving) {
          return undefined;
        }
        const path = await resolveSource(pluginBuild, args);
        if (path === undefined) {
          return undefined;
        }
        const owner = owners.get(path);
        if (owner !== undefined && owner !== file) {
          return {
            errors: [
              { text: `${file} imports ${relative(root, path)}, which belongs to ${owner}` },
            ],
          };
        }
        if (!coreModules.has(path)) {
          return undefined;
        }
        shared.add(path);
        return { path, namespace: SHARED_NAMESPACE };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: SHARED_NAMESPACE }, (args) => {
        const module = relative(root, args.path);
        const missing = `core bundle index.js does not export ${module}; build it and ${file} together`;
        return {
          contents: [
            `const shared = require("./index.js").sharedModules?.[${JSON.stringify(module)}];`,
            'if (shared === undefined) {',
            `  throw new Error(${JSON.stringify(missing)});`,
            '}',
            'module.exports = shared;',
          ].join('\n'),
          loader: 'js',
        };
      });
    },
  };
}

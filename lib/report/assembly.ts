import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CfnTemplate, TemplateView } from './template';

/** A stack of a cloud assembly, with its template and the local directories of its assets. */
export interface AssemblyStack {
  /** Artifact id in the manifest, prefixed by the nested assembly directory if any. */
  readonly id: string;
  /** Absolute path of the stack's template file. */
  readonly templatePath: string;
  readonly template: TemplateView;
  /**
   * Returns the absolute path of the staged asset that a Lambda function's `S3Key` names, or
   * undefined when the stack's asset manifest does not list it.
   */
  assetPath(objectKey: string): string | undefined;
}

interface Manifest {
  readonly artifacts?: Record<string, ManifestArtifact>;
}

interface ManifestArtifact {
  readonly type: string;
  readonly properties?: Record<string, unknown>;
}

interface AssetManifest {
  readonly files?: Record<
    string,
    {
      readonly source?: { readonly path?: string };
      readonly destinations?: Record<string, { readonly objectKey?: string }>;
    }
  >;
}

/**
 * Reads the stacks of a cloud assembly directory (such as `cdk.out`) from its
 * `manifest.json`, following nested assemblies of CDK stages.
 *
 * @throws Error when the directory has no manifest or a listed file is missing
 */
export function readAssemblyStacks(directory: string, prefix = ''): AssemblyStack[] {
  const manifestPath = join(directory, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new Error(`${directory} is not a cloud assembly: manifest.json not found`);
  }
  const manifest = readJson<Manifest>(manifestPath);
  const artifacts = Object.entries(manifest.artifacts ?? {});

  const assetPaths = new Map<string, string>();
  for (const [, artifact] of artifacts) {
    if (artifact.type === 'cdk:asset-manifest') {
      addAssetPaths(directory, stringProperty(artifact, 'file'), assetPaths);
    }
  }

  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of artifacts) {
    if (artifact.type === 'aws:cloudformation:stack') {
      const templatePath = join(directory, stringProperty(artifact, 'templateFile'));
      stacks.push({
        id: prefix + id,
        templatePath,
        template: new TemplateView(readJson<CfnTemplate>(templatePath)),
        assetPath: (objectKey) => assetPaths.get(objectKey),
      });
    }
    if (artifact.type === 'cdk:cloud-assembly') {
      const nested = stringProperty(artifact, 'directoryName');
      stacks.push(...readAssemblyStacks(join(directory, nested), `${prefix}${nested}/`));
    }
  }
  return stacks;
}

/** Returns a path relative to the assembly root, with forward slashes, for the report. */
export function assemblyRelative(root: string, path: string): string {
  return relative(root, path).split('\\').join('/');
}

function addAssetPaths(directory: string, file: string, into: Map<string, string>): void {
  const manifest = readJson<AssetManifest>(join(directory, file));
  for (const asset of Object.values(manifest.files ?? {})) {
    const sourcePath = asset.source?.path;
    if (!sourcePath) {
      continue;
    }
    for (const destination of Object.values(asset.destinations ?? {})) {
      if (destination.objectKey) {
        into.set(destination.objectKey, join(directory, sourcePath));
      }
    }
  }
}

function stringProperty(artifact: ManifestArtifact, name: string): string {
  const value = artifact.properties?.[name];
  if (typeof value !== 'string') {
    throw new Error(`manifest artifact of type ${artifact.type} has no ${name} property`);
  }
  return value;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

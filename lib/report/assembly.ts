import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { linkNestedTemplate } from './nested-stack';
import { CfnResource, CfnTemplate, TemplateView, isObject } from './template';

/**
 * A stack of a cloud assembly, with its template and the local directories of its assets.
 * A nested stack is listed too, after its parent.
 */
export interface AssemblyStack {
  /**
   * Artifact id in the manifest, prefixed by the nested assembly directory if any. A nested
   * stack's id is the artifact id, a `/` and the logical id of its `AWS::CloudFormation::Stack`
   * as the report writes it (see `template`).
   */
  readonly id: string;
  /** Artifact id of the stack that is deployed: this stack's id, or its root stack's. */
  readonly artifactId: string;
  /** Stack whose template contains this nested stack, or undefined for a deployed stack. */
  readonly parent?: AssemblyStack;
  /** Absolute path of the stack's template file. */
  readonly templatePath: string;
  /**
   * Parsed template. In a nested stack's template, every logical id is prefixed by the logical
   * id of the nested stack resource and `/`, and references across the boundary are resolved.
   */
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
      const template = readJson<CfnTemplate>(templatePath);
      const stack: AssemblyStack = {
        id: prefix + id,
        artifactId: prefix + id,
        templatePath,
        template: new TemplateView(template),
        assetPath: (objectKey) => assetPaths.get(objectKey),
      };
      stacks.push(stack, ...readNestedStacks(stack, template, directory, assetPaths));
    }
    if (artifact.type === 'cdk:cloud-assembly') {
      const nested = stringProperty(artifact, 'directoryName');
      stacks.push(...readAssemblyStacks(join(directory, nested), `${prefix}${nested}/`));
    }
  }
  return stacks;
}

/** Returns true when `stack` is `ancestor` or a stack nested in it, at any depth. */
export function isSameOrNestedIn(stack: AssemblyStack, ancestor: AssemblyStack): boolean {
  for (let current: AssemblyStack | undefined = stack; current; current = current.parent) {
    if (current === ancestor) {
      return true;
    }
  }
  return false;
}

/**
 * Reads the nested stacks of a stack, at any depth. Each nested template is found through
 * its `AWS::CloudFormation::Stack` resource and linked to its parent with
 * `linkNestedTemplate`, so references across the boundary resolve.
 */
function readNestedStacks(
  parent: AssemblyStack,
  parentTemplate: CfnTemplate,
  directory: string,
  assetPaths: Map<string, string>,
): AssemblyStack[] {
  const nested: AssemblyStack[] = [];
  for (const [logicalId, resource] of Object.entries(parentTemplate.Resources ?? {})) {
    if (resource.Type !== 'AWS::CloudFormation::Stack') {
      continue;
    }
    const templatePath = nestedTemplatePath(resource, directory, assetPaths);
    if (!templatePath) {
      continue;
    }
    const template = linkNestedTemplate(parentTemplate, logicalId, readJson(templatePath));
    const stack: AssemblyStack = {
      // The logical id of a stack nested in a nested stack carries its parent's prefix.
      id: `${parent.artifactId}/${logicalId}`,
      artifactId: parent.artifactId,
      parent,
      templatePath,
      template: new TemplateView(template, parent.template),
      assetPath: parent.assetPath,
    };
    nested.push(stack, ...readNestedStacks(stack, template, directory, assetPaths));
  }
  return nested;
}

/**
 * Returns the local path of a nested stack's template: from the `aws:asset:path` metadata
 * that the CDK CLI adds, else from the object key at the end of `TemplateURL`, looked up
 * in the asset manifests. Returns undefined when neither names a file in the assembly.
 */
function nestedTemplatePath(
  resource: CfnResource,
  directory: string,
  assetPaths: Map<string, string>,
): string | undefined {
  const metadataPath = resource.Metadata?.['aws:asset:path'];
  if (typeof metadataPath === 'string' && existsSync(join(directory, metadataPath))) {
    return join(directory, metadataPath);
  }
  // CDK writes the URL as Fn::Join of the bucket's host and a last part `/<hash>.json`.
  const parts = stringLeaves(resource.Properties?.TemplateURL);
  const objectKey = /([^/]+\.json)$/.exec(parts[parts.length - 1] ?? '')?.[1];
  const path = objectKey ? assetPaths.get(objectKey) : undefined;
  return path && existsSync(path) ? path : undefined;
}

/** Returns the strings inside a value, depth first, in order. */
function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap(stringLeaves);
  }
  return isObject(value) ? Object.values(value).flatMap(stringLeaves) : [];
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

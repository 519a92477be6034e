/**
 * Synth-scale child: builds one stack with a gateway of N APIs of 10 operations each in a
 * fresh process, synthesizes it, and reports times, template sizes and resource counts. The
 * APIs go into the gateway's stack, or into a nested stack each.
 */
import { App, Stack } from 'aws-cdk-lib';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessPolicy,
  ApiPlacement,
  Backend,
  Gateway,
  HttpMethod,
  JwtKeys,
  JwtValidator,
} from '../../lib';
import { serveCalls } from '../lib/child';

/** Placement of the measured gateway's APIs, as the string values of `ApiPlacement`. */
export type SynthPlacement = `${ApiPlacement}`;

export interface SynthParams {
  readonly apis: number;
  readonly operationsPerApi: number;
  /**
   * Placement of the gateway's APIs. With `GATEWAY_STACK`, CDK's resource limit is lifted so
   * that gateways past 500 resources can be measured. With `NESTED_STACK_PER_API` the limit
   * stays in force, so the synth fails if any stack crosses it.
   *
   * @default 'GATEWAY_STACK'
   */
  readonly placement?: SynthPlacement;
}

export interface SynthReport {
  readonly operations: number;
  /** Time to create the constructs. */
  readonly constructMs: number;
  /** Time of `app.synth()`: preparing, validating, staging assets and writing templates. */
  readonly synthMs: number;
  /** Every CloudFormation template the assembly holds, nested ones included. */
  readonly templates: number;
  readonly templateBytes: number;
  readonly largestTemplateBytes: number;
  readonly resources: number;
  readonly largestTemplateResources: number;
  /** Resources in the template of the stack that contains the gateway, nested stacks aside. */
  readonly gatewayStackResources?: number;
  /** Size of the template of the stack that contains the gateway. */
  readonly gatewayStackTemplateBytes?: number;
}

/** Context key of aws-cdk-lib 2's per-stack resource limit; 0 turns the check off. */
const STACK_RESOURCE_LIMIT_CONTEXT = '@aws-cdk/core:stackResourceLimit';

const OPERATIONS: readonly [HttpMethod, string][] = [
  ['GET', '/items'],
  ['POST', '/items'],
  ['GET', '/items/{itemId}'],
  ['PUT', '/items/{itemId}'],
  ['DELETE', '/items/{itemId}'],
  ['GET', '/items/{itemId}/notes'],
  ['POST', '/items/{itemId}/notes'],
  ['GET', '/items/{itemId}/notes/{noteId}'],
  ['DELETE', '/items/{itemId}/notes/{noteId}'],
  ['GET', '/health'],
];

function synthesize(params: SynthParams): SynthReport {
  if (params.operationsPerApi > OPERATIONS.length) {
    throw new RangeError(
      `operationsPerApi must be at most ${OPERATIONS.length}, got ${params.operationsPerApi}`,
    );
  }
  const outdir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-synth-'));
  try {
    const placement = params.placement ?? ApiPlacement.GATEWAY_STACK;
    const started = performance.now();
    // CDK fails a synth whose stack has more than 500 resources (TooManyResourcesInStack), and
    // so does Gatehouse's own check. The limit is lifted for APIs in the gateway's stack, so
    // large gateways can be measured there; the parent reports the overrun.
    const context =
      placement === ApiPlacement.GATEWAY_STACK ? { [STACK_RESOURCE_LIMIT_CONTEXT]: 0 } : {};
    const app = new App({ outdir, context });
    buildStack(app, params, placement as ApiPlacement);
    const built = performance.now();
    app.synth();
    const synthesized = performance.now();
    return {
      operations: params.apis * params.operationsPerApi,
      constructMs: built - started,
      synthMs: synthesized - built,
      ...measureTemplates(outdir),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function buildStack(app: App, params: SynthParams, apiPlacement: ApiPlacement): void {
  const stack = new Stack(app, 'Scale', { env: { account: '123456789012', region: 'eu-west-1' } });
  const validator = new JwtValidator(stack, 'Sso', {
    issuers: ['https://login.bench.example/tenant-1/v2.0'],
    audiences: ['api://bench'],
    keys: JwtKeys.fromJwksUrl('https://login.bench.example/tenant-1/keys'),
  });
  const gateway = new Gateway(stack, 'Gateway', {
    defaultPolicy: AccessPolicy.jwt(validator),
    apiPlacement,
  });
  for (let index = 0; index < params.apis; index++) {
    const api = gateway.addApi(`api${index}`);
    for (const [method, path] of OPERATIONS.slice(0, params.operationsPerApi)) {
      api.addOperation(method, path, {
        backend: Backend.http(`https://backend${index}.internal.example${path}`),
        policy: AccessPolicy.jwt(validator, {
          requiredClaims: [{ claim: 'scope', values: [`api${index}.${method.toLowerCase()}`] }],
        }),
      });
    }
  }
}

/** The template file of the stack built by `buildStack`, which contains the gateway. */
const GATEWAY_STACK_TEMPLATE = 'Scale.template.json';

function measureTemplates(outdir: string) {
  // Nested stack templates are files named `<id>.nested.template.json` beside the others.
  const files = readdirSync(outdir).filter((name) => name.endsWith('.template.json'));
  const templates = files.map((name) => {
    const text = readFileSync(join(outdir, name), 'utf8');
    const resources = Object.keys((JSON.parse(text) as { Resources?: object }).Resources ?? {});
    return { name, bytes: Buffer.byteLength(text), resources: resources.length };
  });
  const gatewayStack = templates.find((template) => template.name === GATEWAY_STACK_TEMPLATE);
  return {
    gatewayStackResources: gatewayStack?.resources,
    gatewayStackTemplateBytes: gatewayStack?.bytes,
    templates: templates.length,
    templateBytes: templates.reduce((sum, item) => sum + item.bytes, 0),
    largestTemplateBytes: Math.max(...templates.map((item) => item.bytes)),
    resources: templates.reduce((sum, item) => sum + item.resources, 0),
    largestTemplateResources: Math.max(...templates.map((item) => item.resources)),
  };
}

serveCalls({ synthesize });

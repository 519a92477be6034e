import { join } from 'node:path';
import { ChildHandle } from './lib/child';
import { ResultEntry, compareToBaseline } from './lib/results';
import { summarize } from './lib/stats';
import type { SynthParams, SynthPlacement, SynthReport } from './children/synth';

/** CloudFormation quotas a single stack must stay under. */
export const CLOUDFORMATION_MAX_RESOURCES = 500;
export const CLOUDFORMATION_MAX_TEMPLATE_BYTES = 1_000_000;

export interface SynthScaleOptions {
  /** Gateway sizes in APIs, each API with `operationsPerApi` operations. */
  readonly sizes: readonly number[];
  readonly operationsPerApi: number;
  /** Measured synths per size; a size of more than 10 APIs is synthesized once. */
  readonly repeats: number;
}

/** Suffix of the names of entries measured with a nested stack per API. */
const NESTED_SUFFIX = ' (nested stack per API)';

/**
 * Synthesizes gateways of growing size in one child process, after one synth that loads the
 * modules: first with every API in the gateway's stack, then with a nested stack per API.
 * Returns synth time, template size and resource count per size and placement. Time and size
 * are also divided by the number of operations, so linear growth shows as a ratio near 1.
 */
export async function runSynthScale(options: SynthScaleOptions): Promise<ResultEntry[]> {
  const child = ChildHandle.start(join(__dirname, 'children', 'synth.ts'), {
    execArgv: ['--max-old-space-size=3072'],
  });
  const flat = new Map<number, SynthReport[]>();
  const nested = new Map<number, SynthReport[]>();
  let first: SynthReport;
  try {
    const synthesize = (apis: number, placement: SynthPlacement) =>
      child.call<SynthReport>(
        'synthesize',
        { apis, operationsPerApi: options.operationsPerApi, placement } satisfies SynthParams,
        600_000,
      );
    first = await synthesize(1, 'GATEWAY_STACK');
    for (const [placement, reports] of [
      ['GATEWAY_STACK', flat],
      ['NESTED_STACK_PER_API', nested],
    ] as const) {
      for (const apis of options.sizes) {
        const repeats = apis > 10 ? 1 : options.repeats;
        for (let run = 0; run < repeats; run++) {
          reports.set(apis, [...(reports.get(apis) ?? []), await synthesize(apis, placement)]);
        }
      }
    }
  } finally {
    await child.stop();
  }
  return [
    ...compareToBaseline([
      {
        group: 'synth',
        name: 'first synth in a fresh process, 1 API',
        subject: 'gatehouse',
        unit: 'ms',
        summary: summarize([first.constructMs + first.synthMs]),
        note: 'includes loading aws-cdk-lib modules on first use',
      },
    ]),
    ...synthEntries(flat, options.operationsPerApi),
    ...synthEntries(nested, options.operationsPerApi, 'NESTED_STACK_PER_API'),
  ];
}

/**
 * Turns synth reports per size into result entries; exported for the harness test. Entries
 * of nested placement have the same names with the suffix ` (nested stack per API)`, and two
 * more: the resources and template size of the gateway's own stack.
 */
export function synthEntries(
  reports: ReadonlyMap<number, readonly SynthReport[]>,
  operationsPerApi: number,
  placement: SynthPlacement = 'GATEWAY_STACK',
): ResultEntry[] {
  const suffix = placement === 'NESTED_STACK_PER_API' ? NESTED_SUFFIX : '';
  const sizes = [...reports.keys()].sort((a, b) => a - b);
  const label = (apis: number) =>
    `${apis} ${apis === 1 ? 'API' : 'APIs'} x ${operationsPerApi} operations`;
  const figure = (name: string, unit: string, pick: (report: SynthReport) => number) =>
    sizes.map((apis) => {
      const values = (reports.get(apis) ?? []).map(pick);
      const note = quotaNote(reports.get(apis) ?? []);
      return {
        group: 'synth',
        name: name + suffix,
        subject: label(apis),
        unit,
        summary: summarize(values),
        ...(note ? { note } : {}),
      };
    });
  // Per-operation figures are compared with the smallest gateway: a ratio near 1 at every
  // size means the figure grows linearly with the number of operations.
  const perOperation = (name: string, unit: string, pick: (report: SynthReport) => number) =>
    compareToBaseline(figure(name, unit, pick), label(sizes[0]));
  const plain = (name: string, unit: string, pick: (report: SynthReport) => number) =>
    compareToBaseline(figure(name, unit, pick));

  // The gateway's stack is the largest one when every API is in it, so its own figures
  // are listed for nested placement only.
  const gatewayStack =
    placement === 'NESTED_STACK_PER_API'
      ? [
          ...plain(
            'resources in the gateway stack',
            'resources',
            (r) => r.gatewayStackResources ?? NaN,
          ),
          ...plain(
            'gateway stack template size',
            'bytes',
            (r) => r.gatewayStackTemplateBytes ?? NaN,
          ),
        ]
      : [];
  return [
    ...plain('synth time (construct + synth)', 'ms', (r) => r.constructMs + r.synthMs),
    ...perOperation(
      'synth time per operation',
      'ms',
      (r) => (r.constructMs + r.synthMs) / r.operations,
    ),
    ...plain('template size, all templates', 'bytes', (r) => r.templateBytes),
    ...perOperation('template size per operation', 'bytes', (r) => r.templateBytes / r.operations),
    ...plain('resources, all templates', 'resources', (r) => r.resources),
    ...plain('resources in the largest template', 'resources', (r) => r.largestTemplateResources),
    ...plain('largest template size', 'bytes', (r) => r.largestTemplateBytes),
    ...plain('templates in the assembly', 'templates', (r) => r.templates),
    ...gatewayStack,
  ];
}

/** Says which CloudFormation quota the largest template breaks, or nothing when none. */
function quotaNote(reports: readonly SynthReport[]): string | undefined {
  const resources = Math.max(...reports.map((report) => report.largestTemplateResources));
  const bytes = Math.max(...reports.map((report) => report.largestTemplateBytes));
  const notes: string[] = [];
  if (resources > CLOUDFORMATION_MAX_RESOURCES) {
    notes.push(
      `${resources} resources in one stack, over the ${CLOUDFORMATION_MAX_RESOURCES} allowed, so a synth without the lifted limit fails with TooManyResourcesInGatewayStack`,
    );
  }
  if (bytes > CLOUDFORMATION_MAX_TEMPLATE_BYTES) {
    notes.push(`template of ${bytes} bytes, over CloudFormation's 1 MB template quota`);
  }
  return notes.length > 0 ? notes.join('; ') : undefined;
}

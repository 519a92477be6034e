/**
 * Read-only helpers over a synthesized CloudFormation template: find resources by type and
 * follow the intrinsic references (`Ref`, `Fn::GetAtt`) that join them.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Parameters?: Record<string, unknown>;
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value?: unknown }>;
}

export class TemplateView {
  private readonly resources: Record<string, CfnResource>;

  /**
   * @param parent the parent's view, for a nested stack: `get` and `constructPath` fall
   *   back to it, because a nested template's references may name the parent's resources
   */
  constructor(
    template: CfnTemplate,
    private readonly parent?: TemplateView,
  ) {
    this.resources = template.Resources ?? {};
  }

  /** Returns the logical ids and resources of one type, in template order. */
  public ofType(type: string): [string, CfnResource][] {
    return Object.entries(this.resources).filter(([, resource]) => resource.Type === type);
  }

  /** Returns a resource of this template, else of the parent's for a nested stack. */
  public get(logicalId: string): CfnResource | undefined {
    return this.resources[logicalId] ?? this.parent?.get(logicalId);
  }

  /** Returns the construct path of a resource when the template carries path metadata. */
  public constructPath(logicalId: string): string | undefined {
    const path = this.get(logicalId)?.Metadata?.['aws:cdk:path'];
    return typeof path === 'string' ? path : undefined;
  }
}

/** Returns the logical id that a `{ Ref }` or `{ Fn::GetAtt }` value points at. */
export function referencedId(value: unknown): string | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  if (typeof value.Ref === 'string') {
    return value.Ref;
  }
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') {
    return getAtt[0];
  }
  if (typeof getAtt === 'string') {
    return getAtt.split('.')[0];
  }
  return undefined;
}

/** Returns the attribute name of a `{ Fn::GetAtt: [id, attribute] }` value. */
export function referencedAttribute(value: unknown): string | undefined {
  const getAtt = isObject(value) ? value['Fn::GetAtt'] : undefined;
  if (Array.isArray(getAtt) && typeof getAtt[1] === 'string') {
    return getAtt[1];
  }
  return undefined;
}

/**
 * Returns the logical ids of every `Fn::GetAtt` in a value, in order, so a value built with
 * `Fn::Join` (a Lambda integration URI, an authorizer URI) can be traced to its function.
 */
export function getAttTargets(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.flatMap(getAttTargets);
  }
  if (!isObject(value)) {
    return [];
  }
  const getAtt = value['Fn::GetAtt'];
  if (getAtt !== undefined) {
    const target = referencedId(value);
    return target ? [target] : [];
  }
  return Object.values(value).flatMap(getAttTargets);
}

/** Returns a value as text: a string as is, anything else (a token) as compact JSON. */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns a property as a number, or undefined when it is absent or not a literal number. */
export function numberProperty(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) {
    return Number(value);
  }
  return undefined;
}

/** Orders strings by UTF-16 code units, the same on every machine, unlike `localeCompare`. */
export function compareText(a: string, b: string): number {
  if (a < b) {
    return -1;
  }
  return a > b ? 1 : 0;
}

import { CfnResource, CfnTemplate, isObject } from './template';

type Replacement = (value: Record<string, unknown>) => unknown;

/**
 * Links a nested stack's template to its parent's, so that the report can follow references
 * across the boundary as if both were one template. Returns the nested template rewritten,
 * and rewrites the parent template in place:
 *
 * - every logical id of the nested template gets the prefix `<nestedLogicalId>/`, because
 *   CDK derives logical ids from the path below the stack, so sibling nested stacks of the
 *   same shape use the same ids.
 * - in the nested template, `{ Ref: parameter }` becomes the value the parent passes in the
 *   `Parameters` of the `AWS::CloudFormation::Stack` resource, such as the parent's
 *   `{ Fn::GetAtt: [authorizer, Arn] }`.
 * - in the parent template, `{ Fn::GetAtt: [nestedLogicalId, Outputs.name] }` becomes the
 *   output's value in the nested template, such as `{ Ref: <nestedLogicalId>/<restApi> }`.
 *
 * `nestedLogicalId` is the id of the `AWS::CloudFormation::Stack` resource in `parent`, which
 * carries its own parent's prefix when `parent` is nested too.
 */
export function linkNestedTemplate(
  parent: CfnTemplate,
  nestedLogicalId: string,
  nested: CfnTemplate,
): CfnTemplate {
  const passed = parent.Resources?.[nestedLogicalId]?.Properties?.Parameters;
  const parameters = isObject(passed) ? passed : {};
  const declared = nested.Parameters ?? {};
  const resources = nested.Resources ?? {};
  const qualify = (id: string) => `${nestedLogicalId}/${id}`;

  const replaceInNested: Replacement = (value) => {
    const ref = Object.keys(value).length === 1 ? value.Ref : undefined;
    if (typeof ref === 'string' && ref in resources) {
      return { Ref: qualify(ref) };
    }
    if (typeof ref === 'string' && ref in declared && ref in parameters) {
      return parameters[ref];
    }
    const [target, attribute] = getAttParts(value['Fn::GetAtt']);
    if (target !== undefined && target in resources) {
      return { 'Fn::GetAtt': [qualify(target), attribute] };
    }
    return undefined;
  };
  const linked: CfnTemplate = {
    Parameters: declared,
    Resources: Object.fromEntries(
      Object.entries(resources).map(([id, resource]) => [
        qualify(id),
        rewrite(resource, replaceInNested) as CfnResource,
      ]),
    ),
    Outputs: Object.fromEntries(
      Object.entries(nested.Outputs ?? {}).map(([name, output]) => [
        name,
        { Value: rewrite(output.Value, replaceInNested) },
      ]),
    ),
  };

  const outputs = linked.Outputs ?? {};
  const replaceInParent: Replacement = (value) => {
    const [target, attribute] = getAttParts(value['Fn::GetAtt']);
    const output = attribute?.startsWith('Outputs.') ? outputs[attribute.slice(8)] : undefined;
    return target === nestedLogicalId && output ? output.Value : undefined;
  };
  for (const section of [parent.Resources, parent.Outputs]) {
    for (const [key, value] of Object.entries(section ?? {})) {
      (section as Record<string, unknown>)[key] = rewrite(value, replaceInParent);
    }
  }
  return linked;
}

/** Returns the logical id and attribute name of a `Fn::GetAtt` in either of its two forms. */
function getAttParts(getAtt: unknown): [string | undefined, string | undefined] {
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') {
    return [getAtt[0], getAtt[1]];
  }
  if (typeof getAtt === 'string') {
    const dot = getAtt.indexOf('.');
    return dot > 0 ? [getAtt.slice(0, dot), getAtt.slice(dot + 1)] : [undefined, undefined];
  }
  return [undefined, undefined];
}

/**
 * Returns a copy of `value` in which each object that `replace` returns a value for is
 * replaced by that value. Objects are visited from the outside in, and a replacement is not
 * visited again.
 */
function rewrite(value: unknown, replace: Replacement): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => rewrite(item, replace));
  }
  if (!isObject(value)) {
    return value;
  }
  const replacement = replace(value);
  if (replacement !== undefined) {
    return replacement;
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, rewrite(item, replace)]),
  );
}

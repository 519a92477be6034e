/**
 * Converts a resolved resource to the flat form that cdk-nag 3 uses in finding ids. A
 * `Fn::Join` becomes its joined parts, `{ Ref: X }` becomes `<X>`, a `Fn::GetAtt` becomes
 * `<X.Attribute>` and a `Fn::ImportValue` becomes its export name.
 */
export function nagResourceName(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value !== 'object' || value === null) {
    return JSON.stringify(value);
  }
  const intrinsic = value as Record<string, unknown>;
  const join = intrinsic['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return (join[1] as unknown[]).map(nagResourceName).join(join[0]);
  }
  const getAtt = intrinsic['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt.length === 2) {
    return `<${nagResourceName(getAtt[0])}.${nagResourceName(getAtt[1])}>`;
  }
  if ('Fn::ImportValue' in intrinsic) {
    return nagResourceName(intrinsic['Fn::ImportValue']);
  }
  if ('Ref' in intrinsic) {
    return `<${nagResourceName(intrinsic.Ref)}>`;
  }
  return JSON.stringify(value);
}

/** An IAM policy document as a Lambda authorizer returns it. */
export interface PolicyDocumentShape {
  readonly Statement: readonly {
    readonly Effect: string;
    readonly Action: string | readonly string[];
    readonly Resource: string | readonly string[];
  }[];
}

/**
 * Tells whether an IAM resource pattern matches an ARN. `*` matches any run of characters,
 * `/` and `:` included, and `?` matches one character, as IAM evaluates resource strings.
 */
export function resourceMatches(pattern: string, arn: string): boolean {
  // Dynamic programming over (pattern index, arn index), so no pattern can backtrack badly.
  let reachable = new Array<boolean>(arn.length + 1).fill(false);
  reachable[0] = true;
  for (const symbol of pattern) {
    const next = new Array<boolean>(arn.length + 1).fill(false);
    for (let index = 0; index <= arn.length; index += 1) {
      if (symbol === '*') {
        next[index] = reachable[index] || (index > 0 && next[index - 1]);
      } else if (index > 0 && reachable[index - 1]) {
        next[index] = symbol === '?' || symbol === arn[index - 1];
      }
    }
    reachable = next;
  }
  return reachable[arn.length];
}

/**
 * Tells whether a policy lets `execute-api:Invoke` reach `arn`, as API Gateway evaluates a
 * cached authorizer policy: some Allow statement matches and no Deny statement does.
 */
export function policyAllows(policy: PolicyDocumentShape, arn: string): boolean {
  const matching = policy.Statement.filter(
    (statement) =>
      asList(statement.Action).some((action) => resourceMatches(action, 'execute-api:Invoke')) &&
      asList(statement.Resource).some((resource) => resourceMatches(resource, arn)),
  );
  return (
    matching.some((statement) => statement.Effect === 'Allow') &&
    !matching.some((statement) => statement.Effect === 'Deny')
  );
}

function asList(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

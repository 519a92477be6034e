import {
  AccessReport,
  EffectivePolicyReport,
  GatewayReport,
  JwtAccessReport,
  OperationReport,
} from '../report/model';

/** Whether a finding fails the synth (`error`) or is only printed (`warning`). */
export type LintSeverity = 'error' | 'warning';

/** Target of a finding, so CDK can name the construct and apply acknowledgements. */
export type LintTarget =
  /** A construct by path, such as a JWT validator. */
  | {
      readonly constructPath: string;
      readonly stack: string;
      readonly fallbackLogicalId: string | null;
    }
  /** A CloudFormation resource by the stack's artifact id and its logical id, if known. */
  | { readonly stack: string; readonly logicalId: string | null };

export interface LintFinding {
  readonly rule: string;
  readonly severity: LintSeverity;
  /** Description of the problem, naming the values involved. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  readonly target: LintTarget;
}

/** Input of a rule: the effective-policy report and the claims code declared for issuers. */
export interface LintContext {
  readonly report: EffectivePolicyReport;
  /**
   * Returns the claims a validator's issuer is declared to emit, or undefined when the code
   * declared nothing for it.
   */
  emittedClaims(validatorId: string): readonly string[] | undefined;
}

export interface LintRule {
  /** Rule id; acknowledge a finding with `Gatehouse::<id>`. */
  readonly id: string;
  readonly severity: LintSeverity;
  /** One sentence on what the rule catches. */
  readonly description: string;
  check(context: LintContext): LintFinding[];
}

/** An operation together with the gateway and API it belongs to. */
export interface OperationSite {
  readonly gateway: GatewayReport;
  readonly api: string;
  readonly operation: OperationReport;
}

/** Returns every operation of the report with its gateway and API key. */
export function operationSites(report: EffectivePolicyReport): OperationSite[] {
  return report.gateways.flatMap((gateway) =>
    gateway.apis.flatMap((api) =>
      api.operations.map((operation) => ({ gateway, api: api.key, operation })),
    ),
  );
}

/** Returns the target of an operation: its method, or the authorizer when it has none. */
export function operationTarget(site: OperationSite): LintTarget {
  return {
    stack: site.gateway.stack,
    logicalId: site.operation.methodLogicalId ?? site.gateway.authorizerFunction,
  };
}

/** Returns `GET /orders` style names for messages. */
export function operationName(site: OperationSite): string {
  return `${site.operation.method} ${site.operation.path} of API '${site.api}'`;
}

/** Returns each JWT validator of each gateway once, as the operations use it. */
export function validatorSites(
  report: EffectivePolicyReport,
): { gateway: GatewayReport; jwt: JwtAccessReport }[] {
  const seen = new Set<string>();
  const sites: { gateway: GatewayReport; jwt: JwtAccessReport }[] = [];
  for (const site of operationSites(report)) {
    for (const jwt of jwtRequirements(site.operation.access)) {
      const key = JSON.stringify([site.gateway.gateway, jwt.validator]);
      if (!seen.has(key)) {
        seen.add(key);
        sites.push({ gateway: site.gateway, jwt });
      }
    }
  }
  return sites;
}

/** Returns the validator's construct as target, falling back to the authorizer function. */
export function validatorTarget(gateway: GatewayReport, validatorId: string): LintTarget {
  return {
    constructPath: validatorId,
    stack: gateway.stack,
    fallbackLogicalId: gateway.authorizerFunction,
  };
}

/** Returns every JWT requirement inside an access tree. */
export function jwtRequirements(access: AccessReport): JwtAccessReport[] {
  if (access.kind === 'jwt') {
    return [access];
  }
  if (access.kind === 'allOf' || access.kind === 'anyOf') {
    return access.of.flatMap(jwtRequirements);
  }
  return [];
}

import {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolatingResource,
  PolicyViolation,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { readAssemblyStacks } from '../report/assembly';
import { buildReport } from '../report/build';
import { EffectivePolicyReport } from '../report/model';
import { assemblyDirectoryOf } from '../report/writer';
import { declaredIssuerClaims, findByPath } from './issuer-claims';
import { LintFinding, LintRule, LintTarget } from './rule';
import { anyAudience, claimNotEmitted, issuerNotHttps, mixedAlgorithms } from './rules/jwt-rules';
import {
  anonymousInSubscribedProduct,
  cachedUncacheableDecision,
  notEnforced,
  openUndeclaredMethod,
  queryKeyOnWrite,
  quotaOnlyAccessControl,
} from './rules/operation-rules';

/** Every Gatehouse check, in the order findings are listed. */
export const GATEHOUSE_RULES: readonly LintRule[] = [
  notEnforced,
  anyAudience,
  issuerNotHttps,
  mixedAlgorithms,
  anonymousInSubscribedProduct,
  cachedUncacheableDecision,
  claimNotEmitted,
  queryKeyOnWrite,
  quotaOnlyAccessControl,
  openUndeclaredMethod,
];

/**
 * Runs every Gatehouse check on a report. `root` is the app's construct tree, where
 * `declareIssuerClaims()` left what code declared about issuers; without it, checks that
 * need such declarations find nothing.
 */
export function lintReport(report: EffectivePolicyReport, root?: IConstruct): LintFinding[] {
  const context = {
    report,
    emittedClaims: (validatorId: string) =>
      root ? declaredIssuerClaims(root, validatorId) : undefined,
  };
  return GATEHOUSE_RULES.flatMap((rule) => rule.check(context));
}

/**
 * Checks the access policy of every gateway in the app when CDK synthesizes it, on the
 * cloud assembly, so escape hatches and overrides are checked too. An `error` finding fails
 * the synth and a `warning` is printed. Acknowledge a finding on the construct it names, or
 * on any scope above it, with its rule id:
 *
 * @example
 * Validations.of(app).addPlugins(new GatehouseChecks());
 * Validations.of(validator).acknowledge({
 *   id: 'Gatehouse::AnyAudience',
 *   reason: 'the issuer mints tokens for this API only',
 * });
 */
export class GatehouseChecks implements IPolicyValidationPlugin {
  public readonly name = 'Gatehouse';
  public readonly ruleIds = GATEHOUSE_RULES.map((rule) => rule.id);

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const directory = assemblyDirectoryOf(context);
    const findings = lintReport(buildReport(directory), context.appConstruct);
    const templates = new Map(
      readAssemblyStacks(directory).map((stack) => [stack.id, stack.templatePath]),
    );
    const violations = findings.map((finding) =>
      toViolation(finding, templates, context.appConstruct),
    );
    return {
      success: violations.every((violation) => violation.severity !== 'error'),
      violations,
    };
  }
}

function toViolation(
  finding: LintFinding,
  templates: Map<string, string>,
  root: IConstruct | undefined,
): PolicyViolation {
  return {
    ruleName: finding.rule,
    description: finding.message,
    fix: finding.fix,
    severity: finding.severity,
    violatingResources: [resourceOf(finding.target, templates, root)],
  };
}

/**
 * Returns the violating resource: the construct when it exists in the app, else the
 * template resource, from which CDK finds the construct path for acknowledgements.
 */
function resourceOf(
  target: LintTarget,
  templates: Map<string, string>,
  root: IConstruct | undefined,
): PolicyViolatingResource {
  if ('constructPath' in target && root && findByPath(root, target.constructPath)) {
    return { constructPath: target.constructPath, locations: [] };
  }
  const logicalId = 'logicalId' in target ? target.logicalId : target.fallbackLogicalId;
  if (logicalId === null) {
    return { constructPath: target.stack, locations: [] };
  }
  return { ...templateResourceOf(target.stack, logicalId, templates), locations: [] };
}

/**
 * Returns the template that contains a resource of the report and the resource's logical id
 * in that template. The report prefixes the logical id of a resource in a nested stack with
 * the logical id of its `AWS::CloudFormation::Stack` resource and `/`, and lists the nested
 * template as `<stack>/<that prefix>`. CDK finds the construct by the template's file name
 * and the unprefixed id, so this returns the nested template, not the deployed stack's.
 */
function templateResourceOf(
  stack: string,
  logicalId: string,
  templates: Map<string, string>,
): { templatePath: string | undefined; resourceLogicalId: string } {
  const separator = logicalId.lastIndexOf('/');
  if (separator === -1) {
    return { templatePath: templates.get(stack), resourceLogicalId: logicalId };
  }
  return {
    templatePath: templates.get(`${stack}/${logicalId.slice(0, separator)}`),
    resourceLogicalId: logicalId.slice(separator + 1),
  };
}

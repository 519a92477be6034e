import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Settings of the regional web ACL that every example puts in front of its gateway. */
export interface ExampleWebAclProps {
  /** CloudWatch metric name of the web ACL; each rule's metric is named after the rule. */
  readonly metricName: string;
  /**
   * AWS managed rule group evaluated first.
   *
   * @default 'AWSManagedRulesCommonRuleSet'
   */
  readonly managedRuleGroup?: string;
  /**
   * Requests one client IP may send in any 5-minute window before WAF blocks it.
   *
   * @default - no rate limit
   */
  readonly requestsPerIpPerFiveMinutes?: number;
}

/** Creates a regional web ACL with an AWS managed rule group and an optional per-IP limit. */
export function createExampleWebAcl(
  scope: Construct,
  id: string,
  props: ExampleWebAclProps,
): wafv2.CfnWebACL {
  const managedRuleGroup = props.managedRuleGroup ?? 'AWSManagedRulesCommonRuleSet';
  const rules: wafv2.CfnWebACL.RuleProperty[] = [
    {
      name: 'managed-rules',
      priority: 0,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: managedRuleGroup } },
      visibilityConfig: metrics('managed-rules'),
    },
  ];
  if (props.requestsPerIpPerFiveMinutes !== undefined) {
    rules.push({
      name: 'requests-per-ip',
      priority: 1,
      action: { block: {} },
      statement: {
        rateBasedStatement: { limit: props.requestsPerIpPerFiveMinutes, aggregateKeyType: 'IP' },
      },
      visibilityConfig: metrics('requests-per-ip'),
    });
  }

  return new wafv2.CfnWebACL(scope, id, {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: metrics(props.metricName),
    rules,
  });
}

function metrics(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

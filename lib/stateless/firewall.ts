import { Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/**
 * AWS managed rule groups in front of the API: the common rule set and known bad inputs. Agents' batches are
 * larger than the common set's 8 KB body limit and carry page labels and error messages that may look like
 * markup, so those two body rules only count (the functions validate every body themselves).
 */
function managedRuleGroups(firstPriority: number): wafv2.CfnWebACL.RuleProperty[] {
  const group = (name: string, priority: number, countOnly: string[] = []): wafv2.CfnWebACL.RuleProperty => ({
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ruleActionOverrides: countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } })),
      },
    },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `lethe-${name}`, sampledRequestsEnabled: false },
  });
  return [
    group('AWSManagedRulesCommonRuleSet', firstPriority, ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY']),
    group('AWSManagedRulesKnownBadInputsRuleSet', firstPriority + 1),
  ];
}

/**
 * AWS WAF in front of the API stage: a rate limit per IP, one per (origin, browser key), one on sign-in per IP, and
 * the managed rule
 * groups. No WAF logs and no sampled requests: both would record client IP addresses (P2).
 */
export class ApiFirewall extends Construct {
  constructor(scope: Construct, id: string, props: { api: apigw.RestApi }) {
    super(scope, id);
    const waf = new wafv2.CfnWebACL(this, 'Acl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'lethe-api', sampledRequestsEnabled: false },
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: 20_000, aggregateKeyType: 'IP' } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'lethe-rate', sampledRequestsEnabled: false },
        },
        {
          // A browser key is public (it is in the page): each (origin, key) pair gets its own budget, so a
          // stranger replaying a shop's key from elsewhere cannot use up the shop's usage plan.
          name: 'rate-limit-browser-per-origin-and-key',
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: 6_000,
              evaluationWindowSec: 300,
              aggregateKeyType: 'CUSTOM_KEYS',
              customKeys: [
                { header: { name: 'origin', textTransformations: [{ priority: 0, type: 'LOWERCASE' }] } },
                { queryArgument: { name: 'key', textTransformations: [{ priority: 0, type: 'NONE' }] } },
              ],
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'ENDS_WITH',
                  searchString: '/v1/browser-events',
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
            },
          },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'lethe-browser-rate',
            sampledRequestsEnabled: false,
          },
        },
        {
          // Sign-in (the session routes take passwords and codes): a tight budget per IP against guessing, on top of
          // Cognito's own lockout.
          name: 'rate-limit-sign-in-per-ip',
          priority: 2,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: 100,
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'CONTAINS',
                  searchString: '/v1/session',
                  textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
                },
              },
            },
          },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'lethe-sign-in-rate',
            sampledRequestsEnabled: false,
          },
        },
        ...managedRuleGroups(3),
      ],
    });
    Validations.of(waf).acknowledge({
      id: 'NIST.800.53.R5-WAFv2LoggingEnabled',
      reason:
        'WAF logs record client IP addresses, which Lethe promises never to store (P2); the ACL publishes CloudWatch metrics instead.',
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.api.deploymentStage.stageArn,
      webAclArn: waf.attrArn,
    });
  }
}

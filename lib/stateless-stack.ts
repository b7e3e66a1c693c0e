import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as eventbridge from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IRELAND } from '#core/region.ts';
import { AGENT_USAGE_PLAN_NAME } from '#core/accounts.ts';
import { ENV, USER_INDEX, USER_LABEL_INDEX } from '#core/schema.ts';
import { LIMITS } from '#core/limits.ts';
import { ALL_ROUTES, type RouteFunction } from '#core/routes.ts';
import { LetheFunction } from './constructs/lethe-function.ts';
import { ErasureWorkflow } from './erasure-workflow.ts';
import { StaffAccess } from './staff-access.ts';
import type { StatefulStack } from './stateful-stack.ts';


/** The API resource of a path like /v1/accounts/{accountId}/users, created on first use. */
function resourceAt(root: apigw.IResource, path: string): apigw.IResource {
  return path.split('/').filter(Boolean).reduce((res, part) => res.getResource(part) ?? res.addResource(part), root);
}

export interface StatelessStackProps extends StackProps {
  data: StatefulStack;
}

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
      managedRuleGroupStatement: { vendorName: 'AWS', name, ruleActionOverrides: countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } })) },
    },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: `lethe-${name}`, sampledRequestsEnabled: false },
  });
  return [
    group('AWSManagedRulesCommonRuleSet', firstPriority, ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY']),
    group('AWSManagedRulesKnownBadInputsRuleSet', firstPriority + 1),
  ];
}

/** Functions, the REST API and (later) state machines. Business logic lives in src/core, not here. */
export class StatelessStack extends Stack {
  readonly api: apigw.RestApi;
  readonly functions: Record<string, LetheFunction> = {};
  readonly erasure: ErasureWorkflow;
  readonly operatorsTopic: sns.Topic;
  readonly staff: StaffAccess;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { data } = props;
    const fn = (name: string, description: string, extra: Partial<ConstructorParameters<typeof LetheFunction>[2]> = {}) => {
      const f = new LetheFunction(this, pascal(name), { name, description, logKey: data.key, ...extra });
      this.functions[name] = f;
      return f;
    };

    const health = fn('health', 'Liveness probe: answers 200 without touching data');

    const ingestServer = fn('ingest-server', 'Signed ingest for server-side (Java) agents');
    const ingestBrowser = fn('ingest-browser', 'Ingest for browser agents: public key + allowed origins');
    for (const f of [ingestServer, ingestBrowser]) {
      f.bindTable(ENV.interactionsTable, data.interactions, 'write')
        .bindTable(ENV.usersTable, data.users, 'readwrite')
        .bindTable(ENV.accountsTable, data.accounts, 'readwrite');
    }
    // Server ingest checks agents' signatures; both hash identities with the account key.
    ingestServer.useKey(ENV.keyId, data.key, ['kms:Decrypt'], ['agent-secret', 'account-key']);
    ingestBrowser.useKey(ENV.keyId, data.key, ['kms:Decrypt'], ['account-key']);

    const management = fn('management', 'Management API: accounts, keys, settings', { timeout: Duration.seconds(29) });
    management
      .bindTable(ENV.accountsTable, data.accounts, 'readwrite')
      .bindTable(ENV.auditTable, data.audit, 'appendRead')
      .bindTable(ENV.interactionsTable, data.interactions, 'read', [USER_INDEX])
      .bindTable(ENV.usersTable, data.users, 'readwrite', [USER_LABEL_INDEX]);
    management.useKey(ENV.keyId, data.key, ['kms:Encrypt'], ['agent-secret', 'account-key']).useKey(ENV.keyId, data.key, ['kms:Decrypt'], ['account-key']);

    const schedule = (id: string, description: string, rate: Duration, target: LetheFunction) =>
      new eventbridge.Rule(this, id, { description, schedule: eventbridge.Schedule.rate(rate), targets: [new targets.LambdaFunction(target, { retryAttempts: 2 })] });
    /** An alarm to the operators when a Lethe metric (Powertools EMF, namespace Lethe) reaches 1 in a period. */
    const alarmOn = (id: string, metricName: string, period: Duration, alarmDescription: string) =>
      new cloudwatch.Alarm(this, id, {
        alarmDescription,
        metric: new cloudwatch.Metric({ namespace: 'Lethe', metricName, dimensionsMap: { service: 'lethe' }, statistic: 'Sum', period }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(new cwActions.SnsAction(this.operatorsTopic));

    // Operators are alerted here (erasure failures, breach deadlines, retention auditor).
    this.operatorsTopic = new sns.Topic(this, 'OperatorsTopic', { displayName: 'Lethe operators', masterKey: data.key, enforceSSL: true });

    const erasureWorker = fn('erasure', 'Erasure workflow steps: tombstone, erase linked interactions, verify, ledger, receipt', { timeout: Duration.minutes(2) });
    erasureWorker
      .bindTable(ENV.interactionsTable, data.interactions, 'readwrite', [USER_INDEX])
      .bindTable(ENV.usersTable, data.users, 'readwrite')
      .bindTable(ENV.accountsTable, data.accounts, 'readwrite')
      .bindTable(ENV.auditTable, data.audit, 'append')
      .bindBucket(ENV.backupBucket, data.backupBucket, 'write', 'erasure-ledger/')
      .useKey(ENV.keyId, data.key, ['kms:Decrypt'], ['account-key'])
      .allowEmail();
    this.erasure = new ErasureWorkflow(this, 'ErasureWorkflow', {
      worker: erasureWorker, key: data.key, alarmTopic: this.operatorsTopic,
      inFlightIngest: Duration.seconds(Math.max(...[ingestServer, ingestBrowser].map((f) => f.timeout!.toSeconds()))),
    });
    management.addEnvironment(ENV.erasureStateMachine, this.erasure.stateMachine.stateMachineArn);
    this.erasure.stateMachine.grantStartExecution(management);

    // Retention auditor (P7, P8): hourly; what TTL left behind, shortened retention, terminated accounts.
    const retention = fn('retention', 'Retention auditor: deletes overdue and beyond-retention items and terminated accounts', { timeout: Duration.minutes(15), memorySize: 1024 });
    retention
      .bindTable(ENV.interactionsTable, data.interactions, 'readwrite')
      .bindTable(ENV.usersTable, data.users, 'readwrite')
      .bindTable(ENV.accountsTable, data.accounts, 'readwrite')
      .bindTable(ENV.auditTable, data.audit, 'append')
      .allowScan(data.accounts);
    retention.addEnvironment('POWERTOOLS_METRICS_NAMESPACE', 'Lethe');
    schedule('RetentionSchedule', 'Runs the retention auditor every hour', Duration.hours(1), retention);
    alarmOn('RetentionOverdueAlarm', 'OverdueExpiredItemsDeleted', Duration.hours(1), 'Items were found more than 2 days past their expiry: DynamoDB TTL is not keeping up or is off (P7). The auditor deleted them; check the TTL setting.');

    // Backups (P9): daily point-in-time export of the personal-data tables to the eu-west-1 backup bucket.
    const backup = fn('backup', 'Daily DynamoDB export to the backup bucket; restore with erasures re-applied', { timeout: Duration.minutes(15), memorySize: 1024 });
    backup
      .bindTable(ENV.interactionsTable, data.interactions, 'readwrite')
      .bindTable(ENV.usersTable, data.users, 'readwrite')
      .bindTable(ENV.auditTable, data.audit, 'append')
      .bindBucket(ENV.backupBucket, data.backupBucket, 'readwrite', 'exports/')
      .bindBucket(ENV.backupBucket, data.backupBucket, 'read', 'erasure-ledger/');
    backup.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:ExportTableToPointInTime'], resources: [data.interactions.tableArn, data.users.tableArn] }));
    // The export writes into the SSE-KMS bucket as this role: the key only through DynamoDB and S3, never directly.
    backup.addEnvironment(ENV.keyId, data.key.keyArn);
    backup.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [data.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': [`dynamodb.${IRELAND}.amazonaws.com`, `s3.${IRELAND}.amazonaws.com`] } },
    }));
    backup.addEnvironment('BACKUP_REGION', IRELAND);
    schedule('BackupSchedule', 'Daily export of the personal-data tables to the eu-west-1 backup bucket', Duration.days(1), backup);

    // Breach notification (P14): report + notify via the API; a 15-minute watch escalates before the 48 h deadline.
    const breach = fn('breach', 'Breach records, notification of every affected account, deadline watch', { timeout: Duration.minutes(10) });
    breach
      .bindTable(ENV.accountsTable, data.accounts, 'readwrite')
      .bindTable(ENV.auditTable, data.audit, 'append')
      .allowScan(data.accounts)
      .allowEmail();
    breach.addEnvironment('OPERATORS_TOPIC_ARN', this.operatorsTopic.topicArn);
    breach.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.operatorsTopic.topicArn] }));
    // The topic is encrypted with the project key: usable only through SNS.
    breach.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [data.key.keyArn], conditions: { StringEquals: { 'kms:ViaService': `sns.${IRELAND}.amazonaws.com` } },
    }));
    schedule('BreachDeadlineWatch', 'Sends pending breach notifications and escalates those still pending 12 h before the 48 h deadline', Duration.minutes(15), breach);
    alarmOn('BreachDeadlineMissedAlarm', 'BreachRecipientsPastDeadline', Duration.minutes(15), 'CRITICAL: a breach notification is past its 48-hour deadline with recipients not notified (P14). See lethe breach status.');

    // ---- API ----
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: data.key,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'Lethe agent ingest and management API (eu-west-1)',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // Every body reaches the handler as bytes, so gzip and signatures over the raw body work.
      binaryMediaTypes: ['*/*'],
      // Agents are throttled per account: the agents' authorizer names the account's usage-plan key.
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      minCompressionSize: undefined,
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'live',
        // No X-Ray on the stage: its segments record the caller's IP and the full URL (P2). Functions trace.
        tracingEnabled: false,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false, // never log request bodies: they may carry personal data
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        // No source IP or user agent in access logs (P2).
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTimeEpoch',
            method: '$context.httpMethod',
            path: '$context.resourcePath',
            status: '$context.status',
            latency: '$context.responseLatency',
            apiKeyId: '$context.identity.apiKeyId',
          }),
        ),
        throttlingRateLimit: 2000,
        throttlingBurstLimit: 1000,
      },
    });
    const requestValidator = new apigw.RequestValidator(this, 'ParamsValidator', {
      restApi: this.api,
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    const integ = (f: LetheFunction) => new apigw.LambdaIntegration(f, { proxy: true });

    this.api.root.addResource('health').addMethod('GET', integ(health));
    // The customer console: a static page from this API (eu-west-1), which then calls the API with the customer's token.
    const consoleFn = fn('console', 'Serves the customer console page', { memorySize: 256 });
    const consoleMethod = this.api.root.addResource('console').addMethod('GET', integ(consoleFn));
    Validations.of(consoleMethod).acknowledge(
      { id: 'AwsSolutions-APIG4', reason: 'Serves a static page with no data; every data call it makes goes to token-authorized routes.' },
      { id: 'AwsSolutions-COG4', reason: 'Serves a static page with no data; every data call it makes goes to token-authorized routes.' },
    );

    const authorizerFn = fn('authorizer', 'Verifies management API tokens (role + account scope)');
    authorizerFn.readSecret('AUTH_SECRET_ARN', data.tokenKey);
    const authorizer = new apigw.TokenAuthorizer(this, 'StaffAuthorizer', {
      handler: authorizerFn,
      resultsCacheTtl: Duration.seconds(0),
    });

    // Agents: the request authorizer names the account (usage-plan key); the function verifies the signature.
    const agentAuthorizerFn = fn('agent-authorizer', 'Names the account behind an agent key, for per-account throttling');
    agentAuthorizerFn.bindTable(ENV.accountsTable, data.accounts, 'read').useKey(ENV.keyId, data.key, ['kms:Decrypt'], ['agent-secret']);
    const serverAgents = new apigw.RequestAuthorizer(this, 'ServerAgentAuthorizer', {
      handler: agentAuthorizerFn,
      identitySources: [apigw.IdentitySource.header('X-Lethe-Key-Id'), apigw.IdentitySource.header('X-Lethe-Key-Proof')],
      resultsCacheTtl: Duration.minutes(5),
    });
    const browserAgents = new apigw.RequestAuthorizer(this, 'BrowserAgentAuthorizer', { handler: agentAuthorizerFn, identitySources: [apigw.IdentitySource.queryString('key')], resultsCacheTtl: Duration.minutes(5) });

    const v1 = this.api.root.addResource('v1');
    // Agents: authenticated in the function (HMAC signature or browser key + origin), see docs/agent-protocol.md.
    const events = v1.addResource('events');
    events.addMethod('POST', integ(ingestServer), {
      authorizer: serverAgents,
      authorizationType: apigw.AuthorizationType.CUSTOM,
      apiKeyRequired: true,
      requestValidator,
      requestParameters: {
        'method.request.header.X-Lethe-Key-Id': true,
        'method.request.header.X-Lethe-Key-Proof': true,
        'method.request.header.X-Lethe-Timestamp': true,
        'method.request.header.X-Lethe-Signature': true,
      },
    });
    v1.addResource('browser-events').addMethod('POST', integ(ingestBrowser), {
      authorizer: browserAgents,
      authorizationType: apigw.AuthorizationType.CUSTOM,
      apiKeyRequired: true,
      requestValidator,
      requestParameters: { 'method.request.querystring.key': true },
    });

    const managedOptions = { authorizer, authorizationType: apigw.AuthorizationType.CUSTOM } as const;
    /** A token-authorized route (role + account scope checked per operation by the function). */
    const managed = (resource: apigw.IResource, verb: string, target: LetheFunction = management) => {
      const m = resource.addMethod(verb, integ(target), managedOptions);
      Validations.of(m).acknowledge({ id: 'AwsSolutions-COG4', reason: 'Staff and customer tokens are verified by the Lambda token authorizer (role + account scope), see docs/access.md.' });
      return m;
    };
    // Every management route comes from the route table (src/core/routes.ts), as do the handlers' dispatch and the
    // OpenAPI document. The identifier searched for travels in a body, never in a URL (URLs reach access logs).
    const routeTargets: Record<RouteFunction, LetheFunction> = { management, backup, breach };
    for (const r of ALL_ROUTES) managed(resourceAt(this.api.root, r.path), r.method, routeTargets[r.fn]);

    // Throttling of agents per account: every account gets an API key in this plan at onboarding; the agents
    // authorizer names it for each request (apiKeySourceType AUTHORIZER), and the ingest routes require it.
    this.api.addUsagePlan('AgentPlan', {
      name: AGENT_USAGE_PLAN_NAME,
      description: 'Agents: one API key per account (created at onboarding), throttled per account',
      throttle: { rateLimit: LIMITS.accountRatePerSecond, burstLimit: LIMITS.accountBurst },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    // Onboarding registers each account's key in the plan (found by name: an id here would make a cycle
    // management → plan → stage → deployment → management).
    management.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['apigateway:GET'], resources: [`arn:aws:apigateway:${IRELAND}::/usageplans`] }));
    management.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['apigateway:POST'], resources: [`arn:aws:apigateway:${IRELAND}::/apikeys`, `arn:aws:apigateway:${IRELAND}::/usageplans/*/keys`] }));
    Validations.of(management.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::arn:aws:apigateway:${IRELAND}::/usageplans/*/keys]`, reason: 'Adds one API key per new account to the agents usage plan; the plan id is looked up by name at run time (a template reference would be circular).' });

    const waf = new wafv2.CfnWebACL(this, 'ApiWaf', {
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
                byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'ENDS_WITH', searchString: '/v1/browser-events', textTransformations: [{ priority: 0, type: 'NONE' }] },
              },
            },
          },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'lethe-browser-rate', sampledRequestsEnabled: false },
        },
        ...managedRuleGroups(2),
      ],
    });
    Validations.of(waf).acknowledge({
      id: 'NIST.800.53.R5-WAFv2LoggingEnabled',
      reason: 'WAF logs record client IP addresses, which Lethe promises never to store (P2); the ACL publishes CloudWatch metrics instead.',
    });
    new wafv2.CfnWebACLAssociation(this, 'ApiWafAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: waf.attrArn,
    });

    // ---- cdk-nag acknowledgements, each scoped to the resource it concerns ----
    for (const resource of [events, v1.getResource('browser-events')!]) {
      for (const m of resource.node.children) {
        if (m instanceof apigw.Method) {
          Validations.of(m).acknowledge({ id: 'AwsSolutions-COG4', reason: 'Machine clients (agents) are identified by their agent key through the request authorizer and verified by signature or origin in the function; end users have no user pool.' });
        }
      }
    }
    for (const m of this.api.root.getResource('health')!.node.children) {
      if (m instanceof apigw.Method) {
        Validations.of(m).acknowledge(
          { id: 'AwsSolutions-APIG4', reason: 'Liveness probe: returns a constant, reads no data.' },
          { id: 'AwsSolutions-COG4', reason: 'Liveness probe: returns a constant, reads no data.' },
        );
      }
    }
    Validations.of(this.api).acknowledge(
      { id: 'AwsSolutions-APIG2', reason: 'Bodies are validated in the functions with zod schemas that name the failing field; header/query presence is validated by the request validator.' },
    );
    Validations.of(this.api.deploymentStage).acknowledge(
      { id: 'NIST.800.53.R5-APIGWSSLEnabled', reason: 'The API talks to Lambda integrations only; client certificates to a backend do not apply.' },
      { id: 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted', reason: 'Responses are per-request acknowledgements and personal-data reads; caching them would keep personal data outside the tables.' },
    );
    this.staff = new StaffAccess(this, 'Staff', { data, app: this });

    const cwRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cwRole) {
      Validations.of(cwRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The AWS-managed policy is the documented way for API Gateway to write its execution logs.',
      });
    }
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

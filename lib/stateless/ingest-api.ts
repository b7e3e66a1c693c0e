import { Duration, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AGENT_USAGE_PLAN_NAME } from '#core/accounts.ts';
import { LIMITS } from '#core/limits.ts';
import { IRELAND } from '#core/region.ts';
import type { LetheFunctions } from './functions.ts';
import { proxy, resourceAt } from './rest-api.ts';

const AGENTS_REASON =
  'Machine clients (agents) are identified by their agent key through the request authorizer and verified by signature or origin in the function; end users have no user pool.';

/**
 * The agents' side of the API (docs/agent-protocol.md): POST /v1/events (signed, server agents) and
 * POST /v1/browser-events (public key + allowed origin). A request authorizer names the account's usage-plan key,
 * so API Gateway throttles each account on its own; the functions verify signatures and origins.
 */
export class IngestApi extends Construct {
  constructor(scope: Construct, id: string, props: { api: apigw.RestApi; functions: LetheFunctions }) {
    super(scope, id);
    const { api, functions: f } = props;
    const validator = new apigw.RequestValidator(this, 'ParamsValidator', {
      restApi: api,
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    const serverAgents = new apigw.RequestAuthorizer(this, 'ServerAgentAuthorizer', {
      handler: f['agent-authorizer'],
      identitySources: [
        apigw.IdentitySource.header('X-Lethe-Key-Id'),
        apigw.IdentitySource.header('X-Lethe-Key-Proof'),
      ],
      resultsCacheTtl: Duration.minutes(5),
    });
    const browserAgents = new apigw.RequestAuthorizer(this, 'BrowserAgentAuthorizer', {
      handler: f['agent-authorizer'],
      identitySources: [apigw.IdentitySource.queryString('key')],
      resultsCacheTtl: Duration.minutes(5),
    });
    const agentRoute = (
      path: string,
      target: keyof LetheFunctions,
      authorizer: apigw.IAuthorizer,
      params: string[],
    ) => {
      const m = resourceAt(api.root, path).addMethod('POST', proxy(f[target]), {
        authorizer,
        authorizationType: apigw.AuthorizationType.CUSTOM,
        apiKeyRequired: true,
        requestValidator: validator,
        requestParameters: Object.fromEntries(params.map((p) => [`method.request.${p}`, true])),
      });
      Validations.of(m).acknowledge({ id: 'AwsSolutions-COG4', reason: AGENTS_REASON });
    };
    agentRoute('/v1/events', 'ingest-server', serverAgents, [
      'header.X-Lethe-Key-Id',
      'header.X-Lethe-Key-Proof',
      'header.X-Lethe-Timestamp',
      'header.X-Lethe-Signature',
    ]);
    agentRoute('/v1/browser-events', 'ingest-browser', browserAgents, ['querystring.key']);

    // Throttling of agents per account: every account gets an API key in this plan at onboarding; the agents'
    // authorizer names it for each request (apiKeySourceType AUTHORIZER), and the ingest routes require it.
    api.addUsagePlan('AgentPlan', {
      name: AGENT_USAGE_PLAN_NAME,
      description: 'Agents: one API key per account (created at onboarding), throttled per account',
      throttle: { rateLimit: LIMITS.accountRatePerSecond, burstLimit: LIMITS.accountBurst },
      apiStages: [{ api, stage: api.deploymentStage }],
    });
    // Onboarding registers each account's key in the plan (found by name: an id here would make a cycle
    // management → plan → stage → deployment → management).
    const management = f.management;
    management.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['apigateway:GET'],
        resources: [`arn:aws:apigateway:${IRELAND}::/usageplans`],
      }),
    );
    management.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['apigateway:POST'],
        resources: [`arn:aws:apigateway:${IRELAND}::/apikeys`, `arn:aws:apigateway:${IRELAND}::/usageplans/*/keys`],
      }),
    );
    Validations.of(management.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:aws:apigateway:${IRELAND}::/usageplans/*/keys]`,
      reason:
        'Adds one API key per new account to the agents usage plan; the plan id is looked up by name at run time (a template reference would be circular).',
    });
  }
}

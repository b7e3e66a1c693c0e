import { type Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { LetheFunction } from '../constructs/lethe-function.ts';

/**
 * The one REST API (stage `live`), as P2 needs it: no X-Ray on the stage (its segments record the caller's IP and
 * URL; the functions trace), no data trace, and an access log with neither IP nor user agent nor URL.
 */
export function createRestApi(stack: Stack, key: kms.IKey): apigw.RestApi {
  const accessLogs = new logs.LogGroup(stack, 'ApiAccessLogs', {
    retention: logs.RetentionDays.ONE_MONTH,
    encryptionKey: key,
  });
  const api = new apigw.RestApi(stack, 'Api', {
    description: 'Lethe agent ingest and management API (eu-west-1)',
    endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
    // Every body reaches the handler as bytes, so gzip and signatures over the raw body work.
    binaryMediaTypes: ['*/*'],
    // Agents are throttled per account: the agents' authorizer names the account's usage-plan key.
    apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
    cloudWatchRole: true,
    deployOptions: {
      stageName: 'live',
      tracingEnabled: false,
      loggingLevel: apigw.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false, // never log request bodies: they may carry personal data
      accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
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
  Validations.of(api).acknowledge({
    id: 'AwsSolutions-APIG2',
    reason:
      'Bodies are validated in the functions with zod schemas that name the failing field; header/query presence is validated by the request validator.',
  });
  Validations.of(api.deploymentStage).acknowledge(
    {
      id: 'NIST.800.53.R5-APIGWSSLEnabled',
      reason: 'The API talks to Lambda integrations only; client certificates to a backend do not apply.',
    },
    {
      id: 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
      reason:
        'Responses are per-request acknowledgements and personal-data reads; caching them would keep personal data outside the tables.',
    },
  );
  const cwRole = api.node.tryFindChild('CloudWatchRole');
  if (cwRole) {
    Validations.of(cwRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: 'The AWS-managed policy is the documented way for API Gateway to write its execution logs.',
    });
  }
  return api;
}

export const proxy = (f: LetheFunction) => new apigw.LambdaIntegration(f, { proxy: true });

/** The API resource of a path like /v1/accounts/{accountId}/users, created on first use. */
export function resourceAt(root: apigw.IResource, path: string): apigw.IResource {
  return path
    .split('/')
    .filter(Boolean)
    .reduce((res, part) => res.getResource(part) ?? res.addResource(part), root);
}

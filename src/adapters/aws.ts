// SDK clients, created once per process (reused across invocations).
// On AWS they use the function's role in eu-west-1; locally the runtime sets AWS_ENDPOINT_URL_* to the
// embedded engines, and the very same calls go there.
//
// DynamoDB is loaded with the module: every request of almost every function needs it. Every other SDK
// package is loaded on first use (a dynamic import, which the bundle keeps unevaluated until then), so a
// function pays at cold start only for the clients that its requests need at once (`npm run bench -- coldstart`).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IRELAND } from '#core/region.ts';
import { traced } from './observability.ts';

const region = IRELAND;

let ddb: DynamoDBClient | undefined;
export const dynamo = () => (ddb ??= traced(new DynamoDBClient({ region, maxAttempts: 4 })));

/** An SDK package and its one client, loaded and created on the first call. */
function lazy<M, C>(load: () => Promise<M>, create: (m: M) => C): () => Promise<{ sdk: M; client: C }> {
  let p: Promise<{ sdk: M; client: C }> | undefined;
  return () => (p ??= load().then((sdk) => ({ sdk, client: traced(create(sdk)) })));
}

export const s3 = /* @__PURE__ */ lazy(
  () => import('./sdk/s3.ts'),
  (m) => new m.S3Client({ region }),
);
export const kms = /* @__PURE__ */ lazy(
  () => import('./sdk/kms.ts'),
  (m) => new m.KMSClient({ region }),
);
export const sfn = /* @__PURE__ */ lazy(
  () => import('./sdk/sfn.ts'),
  (m) => new m.SFNClient({ region }),
);
// The queue URL names its own host; Lethe's clients go to the configured endpoint (the same on AWS, local otherwise).
export const sqs = /* @__PURE__ */ lazy(
  () => import('./sdk/sqs.ts'),
  (m) => new m.SQSClient({ region, useQueueUrlAsEndpoint: false }),
);
export const ses = /* @__PURE__ */ lazy(
  () => import('./sdk/ses.ts'),
  (m) => new m.SESv2Client({ region }),
);
export const sns = /* @__PURE__ */ lazy(
  () => import('./sdk/sns.ts'),
  (m) => new m.SNSClient({ region }),
);
export const apiGateway = /* @__PURE__ */ lazy(
  () => import('./sdk/api-gateway.ts'),
  (m) => new m.APIGatewayClient({ region }),
);
export const cognito = /* @__PURE__ */ lazy(
  () => import('./sdk/cognito.ts'),
  (m) => new m.CognitoIdentityProviderClient({ region }),
);
export const secrets = /* @__PURE__ */ lazy(
  () => import('./sdk/secrets.ts'),
  (m) => new m.SecretsManagerClient({ region }),
);

/** Replaces a client (fault-injection tests wrap the real client with middleware). */
export function setDynamo(client: DynamoDBClient): void {
  ddb = client;
}

export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

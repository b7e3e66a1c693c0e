// SDK clients, created once per process at module scope (reused across invocations).
// On AWS they use the function's role in eu-west-1; locally the runtime sets AWS_ENDPOINT_URL_* to the
// embedded engines, and the very same calls go there.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { IRELAND } from '#core/region.ts';

const region = IRELAND;
const local = () => process.env.LETHE_LOCAL === '1';

let ddb: DynamoDBClient | undefined;
let s3: S3Client | undefined;
let kms: KMSClient | undefined;
let sfn: SFNClient | undefined;

export const dynamo = () => (ddb ??= new DynamoDBClient({ region, maxAttempts: 4 }));
export const s3Client = () => (s3 ??= new S3Client({ region, forcePathStyle: local() }));
export const kmsClient = () => (kms ??= new KMSClient({ region }));
export const sfnClient = () => (sfn ??= new SFNClient({ region }));

/** Replaces a client (fault-injection tests wrap the real client with middleware). */
export function setDynamo(client: DynamoDBClient): void {
  ddb = client;
}

export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

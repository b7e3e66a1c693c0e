import { once } from 'node:events';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { IRELAND } from '#core/region.ts';
import type { LocalCredentials } from './credentials.ts';
import { physicalName } from './intrinsics.ts';
import { type CloudModel, resources } from './template.ts';

export interface Engine {
  endpoint: string;
  close(): Promise<void>;
}

function portInUse(what: string, port: number): Error {
  return new Error(`${what}: port ${port} is already in use. Stop the other process or choose another port (see README, "Ports").`);
}

async function listen(server: import('node:net').Server, port: number, host: string, what: string): Promise<number> {
  server.listen(port, host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([e]) => { throw e; }),
    ]);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse(what, port);
    throw e;
  }
  return (server.address() as AddressInfo).port;
}

/** dynalite on LevelDB under dataDir/dynamodb: a restart keeps every table and item. */
export async function startDynamo(dataDir: string, port: number, host = '127.0.0.1'): Promise<Engine> {
  const dir = path.join(dataDir, 'dynamodb');
  fs.mkdirSync(dir, { recursive: true });
  const server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const actual = await listen(server, port, host, 'local DynamoDB (dynalite)');
  return {
    endpoint: `http://${host}:${actual}`,
    // dynalite's close also closes its LevelDB, so a restart can reopen the same folder.
    close: () => new Promise<void>((resolve, reject) => {
      server.close((err?: Error) => (err ? reject(err) : resolve()));
      (server as unknown as import('node:http').Server).closeAllConnections?.();
    }),
  };
}

/**
 * s3rver with files under dataDir/s3. It knows one account; its built-in S3RVER/S3RVER key pair is replaced
 * by the data folder's own credentials, so a request signed with anything else is refused, as on AWS.
 */
export async function startS3(dataDir: string, port: number, credentials: LocalCredentials, host = '127.0.0.1'): Promise<Engine> {
  const dir = path.join(dataDir, 's3');
  fs.mkdirSync(dir, { recursive: true });
  const account = createRequire(import.meta.url)('s3rver/lib/models/account.js').DUMMY_ACCOUNT;
  for (const id of [...account.accessKeys.keys()]) if (id !== credentials.accessKeyId) account.revokeAccessKey(id);
  account.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  const server = new S3rver({ port, address: host, directory: dir, silent: true, resetOnClose: false } as any);
  let address: { port: number };
  try {
    address = (await server.run()) as any;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse('local S3 (s3rver)', port);
    throw e;
  }
  return { endpoint: `http://${host}:${address.port}`, close: () => server.close() };
}

export function dynamoClient(endpoint: string, credentials: LocalCredentials): DynamoDBClient {
  return new DynamoDBClient({ region: IRELAND, endpoint, credentials, maxAttempts: 5 });
}
export function s3Client(endpoint: string, credentials: LocalCredentials): S3Client {
  return new S3Client({ region: IRELAND, endpoint, forcePathStyle: true, credentials });
}

/** Creates every table of the template that does not exist yet (keys, GSIs), as CloudFormation would. */
export async function createTables(model: CloudModel, client: DynamoDBClient): Promise<string[]> {
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const n of page.TableNames ?? []) existing.add(n);
    start = page.LastEvaluatedTableName;
  } while (start);
  const names: string[] = [];
  for (const { id, resource } of resources(model, 'AWS::DynamoDB::Table')) {
    const name = physicalName(resource.Type, id);
    names.push(name);
    if (existing.has(name)) continue;
    const p = resource.Properties ?? {};
    await client.send(new CreateTableCommand({
      TableName: name,
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: p.GlobalSecondaryIndexes?.map((g: any) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection })),
    }));
    for (let i = 0; i < 50; i++) {
      const d = await client.send(new DescribeTableCommand({ TableName: name }));
      if (d.Table?.TableStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return names;
}

export async function createBuckets(model: CloudModel, client: S3Client): Promise<string[]> {
  const names: string[] = [];
  for (const { id, resource } of resources(model, 'AWS::S3::Bucket')) {
    const name = physicalName(resource.Type, id);
    names.push(name);
    try {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    } catch (e) {
      const n = (e as Error).name;
      if (n !== 'BucketAlreadyOwnedByYou' && n !== 'BucketAlreadyExists') throw e;
    }
  }
  return names;
}

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

export interface DynamoEngine extends Engine {
  /**
   * Rewrites the LevelDB files (a full compaction), so that deleted items and removed attributes leave the disk:
   * without it an erased identifier stays in the write-ahead log and old tables until LevelDB gets round to it.
   */
  compact(): Promise<void>;
}

function portInUse(what: string, port: number): Error {
  return new Error(
    `${what}: port ${port} is already in use. Stop the other process or choose another port (see README, "Ports").`,
  );
}

/** Listens on host:port; a port in use is a clear error naming what wanted it. Returns the port (0 picks one). */
export async function listen(
  server: import('node:net').Server,
  port: number,
  host: string,
  what: string,
): Promise<number> {
  server.listen(port, host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([e]) => {
        throw e;
      }),
    ]);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse(what, port);
    throw e;
  }
  return (server.address() as AddressInfo).port;
}

interface LevelIterator {
  next(): Promise<unknown>;
  close(): Promise<void>;
  return?: () => Promise<void>;
}
interface LevelDb {
  values(o: unknown): LevelIterator;
  keys(o: unknown): LevelIterator;
  put(k: string, v: unknown): Promise<void>;
  del(k: string): Promise<void>;
  compactRange(start: string, end: string): Promise<void>;
}

/**
 * dynalite reads through LevelDB iterators that it never closes (it calls `return()`, which abstract-level's
 * iterators lack), and an open iterator pins a snapshot: LevelDB then keeps every overwritten or deleted value.
 * Each iterator closes itself at its end or when its stream is destroyed.
 */
function closeIterators(db: LevelDb): void {
  for (const m of ['values', 'keys'] as const) {
    const open = db[m].bind(db);
    db[m] = (o) => {
      const it = open(o);
      const next = it.next.bind(it);
      it.next = async () => {
        const v = await next();
        if (v === undefined) await it.close();
        return v;
      };
      it.return = () => it.close();
      return it;
    };
  }
}

/**
 * Rewrites every LevelDB file so that overwritten and deleted values leave the disk. A manual compaction skips
 * the bottom level, and a memtable flush keeps old versions; so: flush, then two sentinels spanning every key
 * (each key starts with an ASCII table prefix) make the second compaction merge every file into a new one.
 */
async function rewrite(db: LevelDb): Promise<void> {
  const [first, last] = ['\u0000', '\uffff'];
  await db.compactRange(first, last);
  await db.put(first, 0);
  await db.put(last, 0);
  await db.compactRange(first, last);
  await db.del(first);
  await db.del(last);
}

/** dynalite on LevelDB under dataDir/dynamodb: a restart keeps every table and item. */
export async function startDynamo(dataDir: string, port: number, host = '127.0.0.1'): Promise<DynamoEngine> {
  const dir = path.join(dataDir, 'dynamodb');
  fs.mkdirSync(dir, { recursive: true });
  // dynalite does not expose its LevelDB; its store factory is wrapped for this one call to keep a handle on it.
  const dbModule = createRequire(import.meta.url)('dynalite/db') as { create: (o: unknown) => { db: LevelDb } };
  const create = dbModule.create;
  let store: ReturnType<typeof create> | undefined;
  dbModule.create = (o) => (store = create(o));
  let server: ReturnType<typeof dynalite>;
  try {
    server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  } finally {
    dbModule.create = create;
  }
  closeIterators(store!.db);
  // Uncompressed blocks (LevelDB opens in a microtask, after this): what is on disk is what a `grep -r` of the data
  // folder sees, so the test that no erased value is left can trust it. Older compressed files stay readable.
  const db = store!.db as LevelDb & { _open(o: object): Promise<void> };
  const open = db._open.bind(db);
  db._open = (o) => open({ ...o, compression: false });
  const actual = await listen(server, port, host, 'local DynamoDB (dynalite)');
  // A call during a rewrite must not share it (the rewrite may have passed what was deleted since): one more
  // rewrite is queued after it, and every caller meanwhile shares that one.
  let rewriting: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const compact = (): Promise<void> => {
    if (!rewriting)
      return (rewriting = rewrite(store!.db).finally(() => {
        rewriting = undefined;
      }));
    return (queued ??= rewriting
      .catch(() => {})
      .then(() => {
        queued = undefined;
        return compact();
      }));
  };
  return {
    endpoint: `http://${host}:${actual}`,
    compact,
    // rewritten first, so a clean stop leaves no deleted value on disk; dynalite's close also closes its LevelDB
    close: async () => {
      await compact().catch(() => {});
      await new Promise<void>((resolve, reject) => {
        server.close((err?: Error) => (err ? reject(err) : resolve()));
        (server as unknown as import('node:http').Server).closeAllConnections?.();
      });
    },
  };
}

/**
 * s3rver with files under dataDir/s3. It knows one account; its built-in S3RVER/S3RVER key pair is replaced
 * by the data folder's own credentials, so a request signed with anything else is refused, as on AWS.
 */
export async function startS3(
  dataDir: string,
  port: number,
  credentials: LocalCredentials,
  host = '127.0.0.1',
): Promise<Engine> {
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

/** CreateTable's input for a table of the template: its keys and GSIs, on demand, as CloudFormation creates it. */
export function tableInput(name: string, p: Record<string, any>): ConstructorParameters<typeof CreateTableCommand>[0] {
  return {
    TableName: name,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: p.GlobalSecondaryIndexes?.map((g: any) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
      Projection: g.Projection,
    })),
  };
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
    await client.send(new CreateTableCommand(tableInput(name, resource.Properties ?? {})));
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

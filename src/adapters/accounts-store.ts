import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Account, AgentKey, Application } from '#core/accounts.ts';
import { ENV } from '#core/schema.ts';
import { env, dynamo } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { itemAs, itemsAs, type Keyed } from './items.ts';
import { platform } from './platform.ts';

/**
 * The Accounts table: one partition per account (settings, applications, findings), one item per agent
 * key and browser key (looked up by id on every request), and short-lived replay guards.
 */
const table = () => env(ENV.accountsTable);
const META = 'META';

export const ids = {
  account: () => `acc_${randomBytes(8).toString('hex')}`,
  application: () => `app_${randomBytes(6).toString('hex')}`,
  key: () => `key_${randomBytes(8).toString('hex')}`,
  secret: () => `sk_${randomBytes(32).toString('base64url')}`,
  browserKey: () => `pk_${randomBytes(16).toString('base64url')}`,
};

interface KeyRow {
  accountId: string;
  applicationId: string;
  secretCipher: string;
  createdAt: number;
  retiresAt?: number;
  revoked?: boolean;
}
interface KeyRefRow {
  applicationId: string;
  createdAt: number;
}
interface LookupRow {
  accountId: string;
  applicationId: string;
}
interface AppRow {
  name: string;
  browserKey: string;
  allowedOrigins?: string[];
}
interface AccountRow extends Omit<Account, 'accountId' | 'accountKey' | 'scrubRules' | 'version'> {
  accountKeyCipher: string;
  scrubRules?: Account['scrubRules'];
  version?: number;
}

async function get<T extends object>(pk: string, sk: string): Promise<(T & Keyed) | undefined> {
  const out = await retryable('accounts store', () =>
    dynamo().send(new GetItemCommand({ TableName: table(), Key: marshall({ pk, sk }), ConsistentRead: true })),
  );
  return out.Item ? itemAs<T>(out.Item) : undefined;
}

async function put(item: Record<string, unknown>, condition?: string): Promise<void> {
  await retryable('accounts store', () =>
    dynamo().send(
      new PutItemCommand({
        TableName: table(),
        Item: marshall(item, { removeUndefinedValues: true }),
        ConditionExpression: condition,
      }),
    ),
  );
}

/** The row of a key that exists and is not revoked (a malformed id cannot exist and is not looked up). */
async function liveKeyRow(keyId: string): Promise<KeyRow | undefined> {
  if (!/^key_[a-f0-9]{16}$/.test(keyId)) return undefined;
  const row = await get<KeyRow>(`KEY#${keyId}`, META);
  return row && !row.revoked ? row : undefined;
}

export async function findKey(keyId: string): Promise<AgentKey | undefined> {
  const row = await liveKeyRow(keyId);
  if (!row) return undefined;
  return {
    keyId,
    accountId: row.accountId,
    applicationId: row.applicationId,
    secret: await platform().secretBox.decryptCached(row.secretCipher, 'agent-secret'),
    retiresAt: row.retiresAt,
  };
}

/** The account of an active agent key, without decrypting its secret (for the agents' authorizer). */
export async function findBrowserApp(browserKey: string): Promise<Application | undefined> {
  if (!/^pk_[A-Za-z0-9_-]{10,64}$/.test(browserKey)) return undefined;
  const row = await get<LookupRow>(`BKEY#${browserKey}`, META);
  if (!row) return undefined;
  return getApplication(row.accountId, row.applicationId);
}

export async function getApplication(accountId: string, applicationId: string): Promise<Application | undefined> {
  const row = await get<AppRow>(`ACCOUNT#${accountId}`, `APP#${applicationId}`);
  return row
    ? { accountId, applicationId, name: row.name, browserKey: row.browserKey, allowedOrigins: row.allowedOrigins ?? [] }
    : undefined;
}

export async function listApplications(accountId: string): Promise<Application[]> {
  const out = await retryable('accounts store', () =>
    dynamo().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :app)',
        ExpressionAttributeValues: marshall({ ':pk': `ACCOUNT#${accountId}`, ':app': 'APP#' }),
      }),
    ),
  );
  return itemsAs<AppRow>(out.Items).map((r) => ({
    accountId,
    applicationId: r.sk.slice(4),
    name: r.name,
    browserKey: r.browserKey,
    allowedOrigins: r.allowedOrigins ?? [],
  }));
}

export async function getAccount(accountId: string): Promise<Account | undefined> {
  const row = await get<AccountRow>(`ACCOUNT#${accountId}`, META);
  if (!row) return undefined;
  return {
    accountId,
    name: row.name,
    status: row.status,
    retentionDays: row.retentionDays,
    retentionFloor: row.retentionFloor,
    retentionCeiling: row.retentionCeiling,
    pseudonymise: !!row.pseudonymise,
    creatorEmail: row.creatorEmail,
    adminEmail: row.adminEmail,
    noticeContacts: row.noticeContacts,
    ingestSuspended: row.ingestSuspended,
    accountKey: await platform().secretBox.decryptCached(row.accountKeyCipher, 'account-key'),
    scrubRules: row.scrubRules ?? {},
    createdAt: row.createdAt,
    version: row.version ?? 0,
  };
}

export interface CreatedAccount {
  accountId: string;
  applicationId: string;
  keyId: string;
  secret: string;
  browserKey: string;
}

export async function createAccount(input: {
  name: string;
  creatorEmail: string;
  adminEmail: string;
  retentionDays: number;
  allowedOrigins: string[];
  nowMs: number;
}): Promise<CreatedAccount> {
  const accountId = ids.account();
  const applicationId = ids.application();
  const box = platform().secretBox;
  await put(
    {
      pk: `ACCOUNT#${accountId}`,
      sk: META,
      name: input.name,
      status: 'active',
      retentionDays: input.retentionDays,
      pseudonymise: false,
      creatorEmail: input.creatorEmail,
      adminEmail: input.adminEmail,
      accountKeyCipher: await box.encrypt(randomBytes(32), 'account-key'),
      scrubRules: {},
      createdAt: input.nowMs,
    },
    'attribute_not_exists(pk)',
  );
  const browserKey = ids.browserKey();
  await put({
    pk: `ACCOUNT#${accountId}`,
    sk: `APP#${applicationId}`,
    name: 'default',
    browserKey,
    allowedOrigins: input.allowedOrigins,
  });
  await put({ pk: `BKEY#${browserKey}`, sk: META, accountId, applicationId });
  const key = await issueKey(accountId, applicationId, input.nowMs);
  await platform().registerUsagePlanKey(accountId);
  return { accountId, applicationId, keyId: key.keyId, secret: key.secret, browserKey };
}

/** A new key for the application; the secret is returned once and stored only encrypted. */
export async function issueKey(
  accountId: string,
  applicationId: string,
  nowMs: number,
): Promise<{ keyId: string; secret: string }> {
  const keyId = ids.key();
  const secret = ids.secret();
  await put({
    pk: `KEY#${keyId}`,
    sk: META,
    accountId,
    applicationId,
    secretCipher: await platform().secretBox.encrypt(Buffer.from(secret, 'utf8'), 'agent-secret'),
    createdAt: nowMs,
  });
  await put({ pk: `ACCOUNT#${accountId}`, sk: `KEYREF#${keyId}`, applicationId, createdAt: nowMs });
  return { keyId, secret };
}

export async function listKeys(
  accountId: string,
): Promise<Array<{ keyId: string; applicationId: string; createdAt: number; retiresAt?: number }>> {
  const out = await retryable('accounts store', () =>
    dynamo().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :k)',
        ExpressionAttributeValues: marshall({ ':pk': `ACCOUNT#${accountId}`, ':k': 'KEYREF#' }),
      }),
    ),
  );
  const refs = itemsAs<KeyRefRow>(out.Items);
  const rows = await Promise.all(refs.map((r) => get<KeyRow>(`KEY#${r.sk.slice(7)}`, META)));
  return refs.flatMap((r, i) =>
    rows[i] && !rows[i]!.revoked
      ? [
          {
            keyId: r.sk.slice(7),
            applicationId: r.applicationId,
            createdAt: r.createdAt,
            retiresAt: rows[i]!.retiresAt,
          },
        ]
      : [],
  );
}

/** Rotation: a new key now; the older active keys keep working for `overlapSeconds`, then are refused. */
export async function rotateKey(accountId: string, applicationId: string, nowMs: number, overlapSeconds: number) {
  const fresh = await issueKey(accountId, applicationId, nowMs);
  const retiresAt = Math.floor(nowMs / 1000) + overlapSeconds;
  for (const k of await listKeys(accountId)) {
    if (k.keyId === fresh.keyId || k.applicationId !== applicationId) continue;
    if (k.retiresAt !== undefined && k.retiresAt <= retiresAt) continue;
    await retryable('accounts store', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: table(),
          Key: marshall({ pk: `KEY#${k.keyId}`, sk: META }),
          UpdateExpression: 'SET retiresAt = :r',
          ExpressionAttributeValues: marshall({ ':r': retiresAt }),
        }),
      ),
    );
  }
  return { ...fresh, previousKeysRetireAt: retiresAt };
}

/**
 * Sets the given fields and raises the version. With `expectedVersion` the write happens only if nobody
 * changed the settings since they were read; false when that condition failed.
 */
export async function updateAccount(
  accountId: string,
  changes: Partial<Account> & Record<string, unknown>,
  expectedVersion?: number,
): Promise<boolean> {
  const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
  if (!entries.length) return true;
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':one': 1, ':zero': 0 };
  const sets = entries.map(([k, v], i) => {
    names[`#f${i}`] = k;
    values[`:v${i}`] = v;
    return `#f${i} = :v${i}`;
  });
  sets.push('#version = if_not_exists(#version, :zero) + :one');
  let condition = 'attribute_exists(pk)';
  if (expectedVersion !== undefined) {
    values[':expected'] = expectedVersion;
    condition +=
      expectedVersion === 0
        ? ' AND (attribute_not_exists(#version) OR #version = :expected)'
        : ' AND #version = :expected';
  }
  try {
    await retryable('accounts store', () =>
      dynamo().send(
        new UpdateItemCommand({
          TableName: table(),
          Key: marshall({ pk: `ACCOUNT#${accountId}`, sk: META }),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
        }),
      ),
    );
    return true;
  } catch (e) {
    if (
      expectedVersion !== undefined &&
      (e instanceof ConditionalCheckFailedException || (e as Error).name === 'ConditionalCheckFailedException')
    )
      return false;
    throw e;
  }
}

export async function rememberSignature(signature: string, nowSec: number, expiresAt: number): Promise<boolean> {
  try {
    await dynamo().send(
      new PutItemCommand({
        TableName: table(),
        Item: marshall({ pk: `REPLAY#${signature}`, sk: META, expiresAt }),
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': { N: String(nowSec) } as AttributeValue },
      }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException || (e as Error).name === 'ConditionalCheckFailedException')
      return false;
    return retryable('replay guard', () => Promise.reject(e));
  }
}

export async function forgetSignature(signature: string): Promise<void> {
  await dynamo().send(
    new DeleteItemCommand({ TableName: table(), Key: marshall({ pk: `REPLAY#${signature}`, sk: META }) }),
  );
}

export async function listFindings(accountId: string): Promise<Array<Record<string, unknown>>> {
  const out = await retryable('accounts store', () =>
    dynamo().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
        // an expired finding is never served, even before TTL removes it (P7)
        FilterExpression: 'attribute_not_exists(expiresAt) OR expiresAt > :now',
        ExpressionAttributeValues: marshall({
          ':pk': `ACCOUNT#${accountId}`,
          ':f': 'FINDING#',
          ':now': Math.floor(Date.now() / 1000),
        }),
      }),
    ),
  );
  return itemsAs<Record<string, unknown>>(out.Items).map(({ pk: _pk, sk: _sk, ...f }) => f);
}

/** Revokes every agent key of the account at once (termination); returns how many. */
export async function revokeKeys(accountId: string): Promise<number> {
  const keys = await listKeys(accountId);
  await Promise.all(
    keys.map((k) =>
      retryable('accounts store', () =>
        dynamo().send(
          new UpdateItemCommand({
            TableName: table(),
            Key: marshall({ pk: `KEY#${k.keyId}`, sk: META }),
            UpdateExpression: 'SET revoked = :t',
            ExpressionAttributeValues: marshall({ ':t': true }),
          }),
        ),
      ),
    ),
  );
  return keys.length;
}

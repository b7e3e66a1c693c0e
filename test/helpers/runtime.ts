import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type Runtime, type RuntimeOptions, startRuntime } from '#local/runtime.ts';

export function tempDir(prefix = 'lethe-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Boots the whole local system on free ports in a fresh data folder, background jobs off (tests drive them). */
export async function bootRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  // Tests change settings and read them back at once: no container caches (production keeps them, see ingest-ports).
  process.env.LETHE_CONFIG_CACHE_MS ??= '0';
  process.env.LETHE_USER_TOUCH_MS ??= '0';
  return startRuntime({
    dataDir: tempDir(),
    port: 0,
    dynamoPort: 0,
    s3Port: 0,
    background: false,
    retryIntervalMs: 5,
    waitMs: 1_000,
    visibilityMs: 1_000,
    ...options,
  });
}

export function adminToken(rt: Runtime): string {
  return fs.readFileSync(path.join(rt.endpoints.dataDir, 'auth', 'admin.token'), 'utf8');
}

export async function api(rt: Runtime, method: string, route: string, body?: unknown, token = adminToken(rt)) {
  const res = await fetch(`${rt.endpoints.api}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json, headers: res.headers };
}

export async function createAccount(rt: Runtime, extra: Record<string, unknown> = {}) {
  const r = await api(rt, 'POST', '/v1/accounts', {
    name: 'Acme',
    creatorEmail: 'creator@acme.test',
    adminEmail: 'admin@acme.test',
    allowedOrigins: ['https://shop.acme.test'],
    ...extra,
  });
  if (r.status !== 201) throw new Error(`account creation failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { accountId: string; applicationId: string; keyId: string; secret: string; browserKey: string };
}

/** Every item of a table, via the real SDK against the local engine. */
export async function scanAll(rt: Runtime, table: string): Promise<Record<string, any>[]> {
  const name = rt.tables.find((t) => t.startsWith(table));
  if (!name) throw new Error(`no table ${table}`);
  const out: Record<string, any>[] = [];
  let start: any;
  do {
    const page = await rt.dynamo.send(new ScanCommand({ TableName: name, ExclusiveStartKey: start }));
    out.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

export function event(applicationId: string, overrides: Record<string, unknown> = {}) {
  return {
    id: `ev-${Math.random().toString(36).slice(2)}`,
    applicationId,
    type: 'page-load',
    timestamp: Date.now(),
    duration: 230,
    outcome: 'slow',
    url: 'https://shop.acme.test/cart',
    label: 'Checkout',
    ...overrides,
  };
}

/** Polls an erasure through the API until it ends (completed or failed). */
export async function waitForErasure(rt: Runtime, requestId: string, timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api(rt, 'GET', `/v1/erasures/${requestId}`);
    if (['completed', 'failed', 'cancelled'].includes(r.body.status)) return r.body;
    if (Date.now() > deadline) throw new Error(`erasure ${requestId} still ${r.body.status}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** Every mail in the local outbox (SES), as .eml text. */
export const outboxMails = (rt: Runtime): string[] =>
  fs.readdirSync(rt.endpoints.outbox).map((f) => fs.readFileSync(path.join(rt.endpoints.outbox, f), 'utf8'));

/** Every alert the operators got locally (the SNS topic's stand-in, <data>/alerts.jsonl). */
export function operatorAlerts(rt: Runtime): Array<{ subject: string; message: string; severity: string }> {
  const file = path.join(rt.endpoints.dataDir, 'alerts.jsonl');
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];
}

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retentionPorts } from '#adapters/retention-store.ts';
import { DATA_MAP, itemTypeOf } from '#core/data-map.ts';
import { runRetentionAudit } from '#core/retention-audit.ts';
import type { Runtime } from '#local/runtime.ts';
import { sendBatch } from '../../src/client/agent.ts';
import { api, bootRuntime, createAccount, event, scanAll, waitForErasure } from '../helpers/runtime.ts';

/**
 * The canary sweep (P17): unique values planted through every input, then erasure, contract termination and
 * retention, then a search of every table, object, e-mail, alert, execution record, log line and raw file of
 * the data folder. What the data map says is gone must be gone; what it says stays must still be found (so the
 * search itself is proven to see it).
 */
const DAY = 86_400_000;
const letters = () => Array.from(randomBytes(14), (b) => String.fromCharCode(97 + (b % 26))).join('');
const C = {
  erasedUser: `u${letters()}@example.org`, // the identity erased (agent identity, and the erasure request)
  terminatedUser: `t${letters()}@example.org`, // an end user of the account whose contract ends
  terminatedContact: `c${letters()}@leaving.test`, // that account's contact
  keptContact: `k${letters()}@staying.test`, // the contact of an account that stays (found until the end)
  freeText: letters(), // free text in an event label, expires with retention
  browserField: letters().slice(0, 20), // put in the browser object by an agent: only known families are stored
  userAgent: `Canary${letters()}`, // in the User-Agent header: never stored at all
  accidental: `a${letters()}@mail.test`, // an e-mail address in an error message: scrubbed at ingest, never stored
  breachText: letters(), // an operator's breach description: kept for the accountability period
};
/** the part of each canary that is unique (snappy, gzip and JSON escaping leave it whole) */
const core = (v: string) => v.replace(/^[a-z]|@.*$/g, '').replace(/^Canary/, '');

const clockOffset = { ms: 0 };
const clock = { nowMs: () => Date.now() + clockOffset.ms };
let rt: Runtime;
let staying: Awaited<ReturnType<typeof createAccount>>;
let leaving: Awaited<ReturnType<typeof createAccount>>;
const logLines: string[] = [];
const restore: Array<() => void> = [];

/** Tees everything the process prints (runtime log, the in-process functions' Powertools logs, console). */
function captureLogs() {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: any, ...rest: any[]) => {
      logLines.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = write;
    });
  }
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const orig = console[m];
    console[m] = (...args: unknown[]) => {
      logLines.push(args.map(String).join(' '));
      orig(...args);
    };
    restore.push(() => {
      console[m] = orig;
    });
  }
}

const send = (a: typeof staying, events: unknown[]) =>
  sendBatch({ endpoint: rt.endpoints.api, keyId: a.keyId, secret: a.secret }, events);

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Where a canary is found: tables (by item type), objects (by key), mails, alerts, executions, logs, raw files. */
async function whereIs(value: string) {
  const needle = core(value);
  const found: string[] = [];
  for (const table of ['Interactions', 'Users', 'Accounts', 'Audit']) {
    for (const item of await scanAll(rt, table)) {
      if (JSON.stringify(item).includes(needle)) found.push(`table:${itemTypeOf(table, item)?.id ?? `${table}?`}`);
    }
  }
  for (const bucket of rt.buckets) {
    const objects = (await rt.s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
    for (const o of objects) {
      const bytes = Buffer.from(
        await (await rt.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToByteArray(),
      );
      const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
      if (text.includes(needle)) found.push(`object:${bucket.replace(/[0-9a-f]{8}$/, '')}/${o.Key!.split('/')[0]}/`);
    }
  }
  if (logLines.some((l) => l.includes(needle))) found.push('log');
  // every raw file of the data folder: engine files, objects, outbox, alerts, executions, tokens
  for (const file of filesUnder(rt.endpoints.dataDir)) {
    const bytes = fs.readFileSync(file);
    const text =
      bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('latin1') : bytes.toString('latin1');
    if (text.includes(needle))
      found.push(`file:${path.relative(rt.endpoints.dataDir, file).split(path.sep).slice(0, 1).join('/')}`);
  }
  return [...new Set(found)].sort();
}

beforeAll(async () => {
  captureLogs();
  rt = await bootRuntime({ clock, log: (l) => logLines.push(l) });
  staying = await createAccount(rt, { name: 'Staying', creatorEmail: C.keptContact, adminEmail: C.keptContact });
  leaving = await createAccount(rt, {
    name: 'Leaving',
    creatorEmail: C.terminatedContact,
    adminEmail: C.terminatedContact,
  });

  // agent identity and free text, a day old (it must expire with the retention)
  const old = Date.now() - DAY;
  expect(
    (
      await send(
        staying,
        Array.from({ length: 20 }, (_, i) =>
          event(staying.applicationId, {
            id: `erased-${i}`,
            userId: C.erasedUser,
            timestamp: old,
            label: `Checkout ${C.freeText}`,
            browser: { family: `Fx${C.browserField}`, version: '1' },
            outcome: 'failed',
            error: `payment refused for ${C.accidental}`,
          }),
        ),
      )
    ).status,
  ).toBe(200);
  // the browser route, with the canary in the User-Agent (which must never be stored)
  const browser = await fetch(`${rt.endpoints.api}/v1/browser-events?key=${staying.browserKey}`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain',
      origin: 'https://shop.acme.test',
      'user-agent': `Mozilla/5.0 (X11) ${C.userAgent}/1.0`,
    },
    body: JSON.stringify({
      events: [event(staying.applicationId, { id: 'browser-1', type: 'click', userId: C.erasedUser })],
    }),
  });
  expect(browser.status).toBe(200);
  expect(
    (await send(leaving, [event(leaving.applicationId, { id: 'leaving-1', userId: C.terminatedUser })])).status,
  ).toBe(200);
  // an operator's breach description, sent to the staying account's contact
  const breach = await api(rt, 'POST', '/v1/breaches', {
    discoveredAt: new Date().toISOString(),
    description: `Exposed export ${C.breachText}`,
    accounts: [staying.accountId],
  });
  expect(breach.status).toBe(201);
  // a backup of everything, before the erasure and the termination
  expect((await api(rt, 'POST', '/v1/backups')).status).toBe(202);
  await rt.compact();
}, 120_000);

afterAll(async () => {
  await rt?.stop();
  for (const r of restore.reverse()) r();
});

describe('the canary sweep (P17)', () => {
  it('finds every planted value where the data map says it is (the search sees what is there)', async () => {
    expect(await whereIs(C.erasedUser)).toEqual(
      expect.arrayContaining([
        'table:interactions.event',
        'table:users.user',
        'object:backups/exports/',
        'file:dynamodb',
        'file:s3',
      ]),
    );
    expect(await whereIs(C.freeText)).toEqual(expect.arrayContaining(['table:interactions.event', 'file:dynamodb']));
    expect(await whereIs(C.terminatedContact)).toEqual(
      expect.arrayContaining(['table:accounts.account', 'file:dynamodb']),
    );
    expect(await whereIs(C.breachText)).toEqual(
      expect.arrayContaining(['table:accounts.breach', 'file:outbox', 'file:dynamodb']),
    );
    expect(await whereIs(C.keptContact)).toEqual(
      expect.arrayContaining(['table:accounts.account', 'table:accounts.breach-recipient', 'file:outbox']),
    );
  }, 60_000);

  it('never stores the User-Agent string, nor personal data the scrubber removed (the finding keeps only its shape)', async () => {
    expect(await whereIs(C.userAgent)).toEqual([]);
    expect(await whereIs(C.accidental)).toEqual([]);
    // an unknown browser family is stored as Other (src/core/browser.ts): the free text an agent put there is not
    expect(await whereIs(C.browserField)).toEqual([]);
    const findings = (await scanAll(rt, 'Accounts')).filter(
      (i) => itemTypeOf('Accounts', i)?.id === 'accounts.finding',
    );
    expect(findings.length).toBeGreaterThan(0);
  });

  it('every item written matches one item type of the map, and every personal-data item has expiresAt', async () => {
    for (const table of ['Interactions', 'Users', 'Accounts', 'Audit']) {
      for (const item of await scanAll(rt, table)) {
        const place = itemTypeOf(table, item);
        expect(place?.id, `${table} ${item.pk} / ${item.sk}`).toBeDefined();
        if (place!.retention.rule !== 'contract')
          expect(item.expiresAt, `${place!.id} ${item.pk} / ${item.sk}`).toBeTypeOf('number');
      }
    }
  }, 60_000);

  it('after an erasure with agents sending during it, the identity is left only in the backups, which re-apply it', async () => {
    let stop = false;
    const batches: Array<{ at: number; ids: string[] }> = [];
    const agent = async (a: number) => {
      for (let n = 0; !stop; n++) {
        const events = Array.from({ length: 5 }, (_, j) =>
          event(staying.applicationId, { id: `during-${a}-${n}-${j}`, userId: C.erasedUser }),
        );
        const at = Date.now();
        if ((await send(staying, events)).status === 200) batches.push({ at, ids: events.map((e) => e.id) });
      }
    };
    const agents = [0, 1].map(agent);
    const first = await api(rt, 'POST', `/v1/accounts/${staying.accountId}/erasures`, { userId: C.erasedUser });
    const done = await waitForErasure(rt, first.body.requestId, 120_000);
    stop = true;
    await Promise.all(agents);
    expect(done.status).toBe('completed');
    expect(batches.length).toBeGreaterThan(0);
    // a batch sent before completedAt has lost the identity; one sent after the receipt is new data
    const stillIdentified = new Set(
      (await scanAll(rt, 'Interactions')).filter((i) => i.user === C.erasedUser).map((i) => i.eventId),
    );
    const early = batches.filter((b) => b.at < done.receipt.completedAt).flatMap((b) => b.ids);
    expect(early.length).toBeGreaterThan(0);
    expect(early.filter((id) => stillIdentified.has(id))).toEqual([]);
    // the new data since the receipt is erased by a second request, with nobody sending
    const second = await api(rt, 'POST', `/v1/accounts/${staying.accountId}/erasures`, { userId: C.erasedUser });
    expect((await waitForErasure(rt, second.body.requestId, 120_000)).status).toBe('completed');
    // the receipt is written before the workflow's last step (notify); the runtime rewrites its files when the
    // execution ends
    await rt.stepFunctions.drain();
    // in tables, e-mails, alerts, execution records, logs and the engine's own files: nowhere
    expect(await whereIs(C.erasedUser)).toEqual(['file:s3', 'object:backups/exports/']);
    expect(DATA_MAP.find((p) => p.id === 'backups.exports')!.erasure.by).toBe('reapplied-on-restore');
  }, 300_000);

  it('after a contract ends, its contacts are gone and its users are left only in the backups', async () => {
    expect((await api(rt, 'POST', `/v1/accounts/${leaving.accountId}/terminate`, { graceDays: 0 })).status).toBe(200);
    await runRetentionAudit({ ...retentionPorts, clock: { nowMs: () => Date.now() + 1000 } });
    await rt.compact();
    // out of the tables (the Accounts table is not exported: PITR only) and out of the user pool; what is left is
    // the console invitation it was sent, kept like every mail (mail.sent, 30 days; the last test sees it swept)
    expect(await whereIs(C.terminatedContact)).toEqual(['file:outbox']);
    const pools = path.join(rt.endpoints.dataDir, 'cognito', 'user-pools.json');
    expect(fs.readFileSync(pools, 'utf8')).not.toContain(core(C.terminatedContact));
    expect(await whereIs(C.terminatedUser)).toEqual(['file:s3', 'object:backups/exports/']);
  }, 60_000);

  it('after the longest retention of the map has passed, nothing of an erased or expired canary is left, and a clean stop leaves no trace', async () => {
    clockOffset.ms = 366 * DAY; // past 90 days of retention, 30 of backups and e-mail, 365 of audit and breach records
    await runRetentionAudit({ ...retentionPorts, clock });
    await rt.sweepTtl();
    await rt.sweepLifecycle();
    // every canary but the staying account's contact is erased, expired or was never to be stored
    const gone = Object.entries(C)
      .filter(([name]) => name !== 'keptContact')
      .map(([, v]) => v);
    for (const v of gone) expect(await whereIs(v), v).toEqual([]);
    // the staying account's contact is still on file (the contract runs): the search still sees it
    expect(await whereIs(C.keptContact)).toEqual(expect.arrayContaining(['table:accounts.account', 'file:dynamodb']));
    await rt.stop();
    const raw = filesUnder(rt.endpoints.dataDir)
      .map((f) => fs.readFileSync(f).toString('latin1'))
      .join('\n');
    for (const v of gone) expect(raw.includes(core(v)), v).toBe(false);
    expect(raw.includes(core(C.keptContact))).toBe(true);
    // and the folder is for its owner only
    expect(fs.statSync(rt.endpoints.dataDir).mode & 0o777).toBe(0o700);
    for (const f of filesUnder(rt.endpoints.dataDir)) expect(fs.statSync(f).mode & 0o077, f).toBe(0);
  }, 120_000);
});

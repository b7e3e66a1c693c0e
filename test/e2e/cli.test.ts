import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRuntime } from '../../bench/harness.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

let rt: Awaited<ReturnType<typeof spawnRuntime>>;
const cli = (args: string[], env: Record<string, string> = {}, input?: string) => {
  const p = run(process.execPath, [path.join(ROOT, 'bin/lethe-cli.js'), ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      LETHE_DATA_DIR: rt.dataDir,
      LETHE_ENDPOINT: '',
      LETHE_TOKEN: '',
      LETHE_PROGRESS: '',
      ...env,
    },
    timeout: 120_000,
  });
  if (input !== undefined) p.child.stdin!.end(input);
  return p;
};
const lethe = async (args: string[], input?: string) => (await cli(args, {}, input)).stdout;
const newAccount = async () =>
  JSON.parse(
    await lethe([
      'accounts',
      'create',
      '--name',
      'Acme',
      '--creator-email',
      'cto@acme.test',
      '--admin-email',
      'dpo@acme.test',
      '--json',
    ]),
  );

beforeAll(async () => {
  rt = await spawnRuntime();
}, 120_000);
afterAll(async () => rt?.stop());

describe('`npm start` and the `lethe` command, as an operator uses them', () => {
  it('the runtime answers /health and wrote endpoints.json', async () => {
    expect((await fetch(`${rt.endpoints.api}/health`)).status).toBe(200);
    expect(fs.existsSync(path.join(rt.dataDir, 'endpoints.json'))).toBe(true);
  });

  it('serves the demo shop with the browser agent, behind its own demo account that allows the shop', async () => {
    const demo = JSON.parse(fs.readFileSync(path.join(rt.dataDir, 'demo.json'), 'utf8'));
    expect(rt.endpoints.demo).toBe(demo.origin);
    const page = await (await fetch(rt.endpoints.demo)).text();
    expect(page).toContain(`<script src="${rt.endpoints.api}/agent/v1.js" data-key="${demo.browserKey}"`);
    const account = (await (
      await fetch(`${rt.endpoints.api}/v1/accounts/${demo.accountId}`, {
        headers: { authorization: `Bearer ${rt.token}` },
      })
    ).json()) as any;
    expect(account.applications[0].allowedOrigins).toEqual([demo.origin]);
  });

  it('keeps its data folder for this user only: folders 0700, files 0600', async () => {
    await lethe([
      'accounts',
      'create',
      '--name',
      'Perm',
      '--creator-email',
      'a@b.test',
      '--admin-email',
      'c@d.test',
      '--json',
    ]);
    const walk = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? [p, ...walk(p)] : [p];
      });
    expect(fs.statSync(rt.dataDir).mode & 0o777).toBe(0o700);
    const open = walk(rt.dataDir).filter((p) => (fs.statSync(p).mode & 0o077) !== 0);
    expect(open).toEqual([]);
  });

  it('creates an account, sends events, finds, exports and erases a user; the identity is gone everywhere', async () => {
    const acc = JSON.parse(
      await lethe([
        'accounts',
        'create',
        '--name',
        'Acme',
        '--creator-email',
        'cto@acme.test',
        '--admin-email',
        'dpo@acme.test',
        '--retention-days',
        '30',
        '--json',
      ]),
    );
    expect(Object.keys(acc).sort()).toEqual([
      'accountId',
      'applicationId',
      'browserKey',
      'invitation',
      'keyId',
      'secret',
    ]);
    const events = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({
        id: `cli-${i}`,
        applicationId: acc.applicationId,
        type: 'click',
        timestamp: Date.now() - i * 1000,
        duration: 5,
        outcome: i % 2 ? 'failed' : 'ok',
        userId: 'grace.hopper@navy.example',
        label: 'Compile',
      }),
    );
    const file = path.join(rt.dataDir, 'events.jsonl');
    fs.writeFileSync(file, `${events.join('\n')}\n`);
    const sent = JSON.parse(
      await lethe(['agent', 'send', '--file', file, '--key-id', acc.keyId, '--secret', acc.secret, '--gzip', '--json']),
    );
    expect(sent).toMatchObject({ accepted: 40 });
    expect(sent.results[0].serverVerified).toBe(true);

    const found = JSON.parse(
      await lethe(['users', 'search', '--account', acc.accountId, '--query', 'grace', '--json']),
    );
    expect(found.users).toHaveLength(1);
    const csv = await lethe(['users', 'export', '--account', acc.accountId, '--user', 'grace.hopper@navy.example']);
    expect(csv.trim().split('\r\n')).toHaveLength(21); // header + 20 failed
    const all = await lethe([
      'users',
      'export',
      '--account',
      acc.accountId,
      '--user',
      'grace.hopper@navy.example',
      '--all',
    ]);
    expect(all.trim().split('\r\n')).toHaveLength(41); // header + every one of the 40

    const receipt = JSON.parse(
      await lethe(['erase', '--account', acc.accountId, '--user', 'grace.hopper@navy.example', '--wait', '--json']),
    );
    expect(receipt).toMatchObject({ accountId: acc.accountId, interactionsErased: 40, verified: true });
    expect(JSON.stringify(receipt)).not.toContain('grace');
    const status = JSON.parse(await lethe(['erasures', 'status', '--request', receipt.requestId, '--json']));
    expect(status.status).toBe('completed');

    expect(
      JSON.parse(await lethe(['users', 'search', '--account', acc.accountId, '--query', 'grace', '--json'])).users,
    ).toEqual([]);
    // nothing on disk of the live engines holds the identity any more (LevelDB files, S3 files)
    const { ScanCommand, DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const ddb = new DynamoDBClient({
      region: 'eu-west-1',
      endpoint: rt.endpoints.dynamodb,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const tables = ['Interactions', 'Users', 'Accounts', 'Audit'];
    const { ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
    const names = (await ddb.send(new ListTablesCommand({}))).TableNames!;
    for (const t of tables) {
      const items = (await ddb.send(new ScanCommand({ TableName: names.find((n) => n.startsWith(t))! }))).Items;
      expect(JSON.stringify(items), t).not.toContain('grace');
    }
    ddb.destroy();
  }, 180_000);

  it('scrubs stdin line by line for customers testing their rules', async () => {
    const out = await lethe(['scrub', '--field', 'url'], 'https://x.test/u/ann@b.example?page=2\n/orders/123456789\n');
    expect(out).toBe('https://x.test/u/{email}?page=2\n/orders/{id}\n');
  });

  it('explains a wrong flag with a clear message and exit code 2', async () => {
    const err = await lethe(['accounts', 'create', '--name', 'X']).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/--creator-email is required/);
  });

  it('shows progress of a long command on standard error, keeps --json output clean, and --quiet hides it', async () => {
    const acc = await newAccount();
    const file = path.join(rt.dataDir, 'progress.jsonl');
    fs.writeFileSync(
      file,
      Array.from({ length: 700 }, (_, i) =>
        JSON.stringify({
          id: `p-${i}`,
          applicationId: acc.applicationId,
          type: 'click',
          timestamp: Date.now() - i,
          duration: 5,
          outcome: 'ok',
        }),
      ).join('\n'),
    );
    const args = ['agent', 'send', '--file', file, '--key-id', acc.keyId, '--secret', acc.secret, '--json'];
    const shown = await cli(args, { LETHE_PROGRESS: 'always' });
    expect(JSON.parse(shown.stdout)).toMatchObject({ accepted: 700, batches: 2 });
    expect(shown.stderr).toContain(`sending ${file}: 0 of 700 events stored, batch 1 of 2`);
    expect(shown.stderr).toContain('500 of 700 events stored, batch 2 of 2');
    // other events (the same body signed in the same second would be a replay, refused with 409)
    fs.writeFileSync(
      file,
      Array.from({ length: 700 }, (_, i) =>
        JSON.stringify({
          id: `q-${i}`,
          applicationId: acc.applicationId,
          type: 'click',
          timestamp: Date.now() - i,
          duration: 5,
          outcome: 'ok',
        }),
      ).join('\n'),
    );
    const quiet = await cli([...args, '--quiet'], { LETHE_PROGRESS: 'always' });
    expect(quiet.stderr).toBe('');
    expect(JSON.parse(quiet.stdout).accepted).toBe(700);
  }, 60_000);

  it('agent send names the file line of a refused event and what was already stored', async () => {
    const acc = await newAccount();
    const ev = (i: number, extra = {}) =>
      JSON.stringify({
        id: `r-${i}`,
        applicationId: acc.applicationId,
        type: 'click',
        timestamp: Date.now() - i,
        duration: 5,
        outcome: 'ok',
        ...extra,
      });
    // 520 events; a blank line after the first, so event 505 (index 4 of batch 2) is on line 506
    const lines = Array.from({ length: 520 }, (_, i) => ev(i, i === 504 ? { outcome: 'weird' } : {}));
    lines.splice(1, 0, '');
    const file = path.join(rt.dataDir, 'refused.jsonl');
    fs.writeFileSync(file, lines.join('\n'));
    const err = await cli(['agent', 'send', '--file', file, '--key-id', acc.keyId, '--secret', acc.secret]).catch(
      (e) => e,
    );
    expect(err.code).toBe(1);
    expect(err.stdout).toContain(`${file}: line 506 refused (400): events[4].outcome`);
    expect(err.stdout).toContain(
      'already stored: 500 events (lines 1–501, 1 batch(es)); nothing from line 502 on was stored',
    );
  }, 60_000);

  it("stops a terminated account's agents within the documented 5 s (the ingest settings cache), browser and server", async () => {
    const acc = JSON.parse(
      await lethe([
        'accounts',
        'create',
        '--name',
        'Leaving',
        '--creator-email',
        'a@b.test',
        '--admin-email',
        'c@d.test',
        '--origin',
        'https://x.test',
        '--json',
      ]),
    );
    const { sendBatch } = await import('../../src/client/agent.ts');
    const ev = (id: string) => ({
      id,
      applicationId: acc.applicationId,
      type: 'click',
      timestamp: Date.now(),
      duration: 5,
      outcome: 'ok',
    });
    const browser = (id: string) =>
      fetch(`${rt.endpoints.api}/v1/browser-events?key=${acc.browserKey}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: 'https://x.test' },
        body: JSON.stringify({ events: [ev(id)] }),
      });
    expect(
      (await sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, [ev('before')])).status,
    ).toBe(200);
    expect((await browser('before-browser')).status).toBe(200);
    await lethe(['accounts', 'terminate', '--account', acc.accountId]);
    await new Promise((r) => setTimeout(r, 5_200));
    expect(
      (
        await sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, [ev('after')], {
          maxAttempts: 1,
        })
      ).status,
    ).toBe(401);
    expect((await browser('after-browser')).status).toBe(401);
  }, 60_000);

  it('chooses who gets findings notices, re-scrubs stored data, and resumes only a suspended account', async () => {
    const a = await newAccount();
    const out = JSON.parse(
      await lethe([
        'accounts',
        'update',
        '--account',
        a.accountId,
        '--notice-contacts',
        'dpo@acme.test, sec@acme.test',
        '--json',
      ]),
    );
    expect(out.noticeContacts).toEqual(['dpo@acme.test', 'sec@acme.test']);
    const rescrub = JSON.parse(await lethe(['rescrub', '--account', a.accountId, '--wait', '--json']));
    expect(rescrub).toMatchObject({ status: 'succeeded', receipt: { examined: 0, changed: 0 } });
    const resume = await cli(['accounts', 'resume', '--account', a.accountId]).catch((e: any) => e);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(/not suspended/);
  });

  it('accounts create invites the admin contact to the console; users invite and staff invite add people', async () => {
    const a = await newAccount();
    const outbox = path.join(rt.dataDir, 'outbox');
    const mails = () => fs.readdirSync(outbox).map((f) => fs.readFileSync(path.join(outbox, f), 'utf8'));
    expect(mails().some((m) => m.includes('To: dpo@acme.test') && /temporary password \S+ \(/.test(m))).toBe(true);
    expect(a.invitation).toMatch(/^(invited|granted)$/);
    const mate = await lethe(['users', 'invite', '--account', a.accountId, '--email', 'mate@acme.test']);
    expect(mate).toMatch(/^invited mate@acme\.test to acc_/);
    expect(mails().some((m) => m.includes('To: mate@acme.test'))).toBe(true);
    const staff = JSON.parse(
      await lethe(['staff', 'invite', '--email', 'ops@lethe.test', '--role', 'engineer', '--json']),
    );
    expect(staff).toEqual({ role: 'engineer', outcome: 'invited' });
    const bad = await cli(['staff', 'invite', '--email', 'x@lethe.test', '--role', 'root']).catch((e: any) => e);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/role/);
  });

  it('backup restore starts the Restore state machine and follows it to its report', async () => {
    const exports = JSON.parse(await lethe(['backup', 'export', '--json'])).exports;
    const ix = exports.find((e: any) => e.tableName.startsWith('Interactions'));
    const out = JSON.parse(await lethe(['backup', 'restore', '--export', ix.exportId, '--json']));
    expect(out.status).toBe('succeeded');
    expect(out.restoreId).toMatch(/^rs_/);
    expect(out.progress.report).toMatchObject({ exportId: ix.exportId, read: ix.itemCount });
    expect(out.progress.file).toBe(out.progress.files);
  });

  it('says which URL it cannot reach when the system is down, and what to do', async () => {
    const { createServer } = await import('node:net');
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    for (const args of [
      ['accounts', 'show', '--account', 'acc_x'],
      ['agent', 'send', '--file', path.join(rt.dataDir, 'refused.jsonl'), '--key-id', 'k', '--secret', 's'],
    ]) {
      const err = await cli(args, { LETHE_ENDPOINT: `http://127.0.0.1:${port}`, LETHE_TOKEN: 't' }).catch((e) => e);
      expect(err.code).toBe(1);
      expect(err.stderr).toBe(
        `lethe: cannot reach http://127.0.0.1:${port} — is \`npm start\` running? (or set LETHE_ENDPOINT)\n`,
      );
    }
  });

  it('stops cleanly on SIGINT and keeps the data for the next start', async () => {
    const before = rt.dataDir;
    rt.proc.kill('SIGINT');
    const code = await new Promise((r) => rt.proc.once('exit', r));
    expect(code).toBe(0);
    rt = await spawnRuntime(before);
    const out = JSON.parse(
      await lethe([
        'accounts',
        'create',
        '--name',
        'Again',
        '--creator-email',
        'a@b.test',
        '--admin-email',
        'c@d.test',
        '--json',
      ]),
    );
    expect(out.accountId).toMatch(/^acc_/);
    expect(fs.readdirSync(path.join(before, 'dynamodb')).length).toBeGreaterThan(0);
  }, 120_000);
});

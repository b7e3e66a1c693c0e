import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { sendBatch } from '../client/agent.ts';
import { FIELD_KINDS, type FieldKind, scrub } from '#core/scrub/engine.ts';

/**
 * `lethe`: the operators' command. Talks to the local runtime by default (endpoints.json in the data folder)
 * or to LETHE_ENDPOINT with LETHE_TOKEN. Every command accepts --json.
 */
const USAGE = `lethe <command> [options] [--json]

  accounts create --name N --creator-email E --admin-email E [--retention-days D] [--origin URL ...]
  accounts show --account A
  accounts update --account A [--retention-days D] [--pseudonymise on|off] [--admin-email E]
  accounts terminate --account A [--grace-days N]        (ingest stops now; data deleted after N days, default 30)
  keys rotate --account A --application P
  agent send --file events.jsonl [--key-id K --secret S | LETHE_KEY_ID/LETHE_SECRET] [--gzip]
  users search --account A --query Q
  users export --account A --user U                    (CSV on stdout)
  users restrict --account A --user U [--lift]
  findings --account A
  audit --account A
  processing-record [--out DIR]                        (GDPR Art. 30 record, Markdown + JSON)
  erase --account A --user U [--wait]                  (prints the receipt with --wait)
  erasures status --request R
  breach report --discovered-at ISO --accounts ID,ID|all --description TEXT [--categories a,b] [--subjects N] [--records N]
  breach status BREACH_ID
  backup export | backup list | backup restore --export ID   (administrators)
  scrub --field url|label|error|query|service-url      (one value per line on stdin)

Environment: LETHE_ENDPOINT (API base URL), LETHE_TOKEN (management token), LETHE_DATA_DIR (local data, default .lethe)`;

class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) { super(message); }
}

function dataDir() {
  return path.resolve(process.env.LETHE_DATA_DIR ?? '.lethe');
}

export function endpoint(): string {
  if (process.env.LETHE_ENDPOINT) return process.env.LETHE_ENDPOINT.replace(/\/$/, '');
  const file = path.join(dataDir(), 'endpoints.json');
  if (!fs.existsSync(file)) throw new CliError(`no local runtime found (${file} is missing): run \`npm start\` or set LETHE_ENDPOINT`, 1);
  return JSON.parse(fs.readFileSync(file, 'utf8')).api;
}

function token(): string {
  if (process.env.LETHE_TOKEN) return process.env.LETHE_TOKEN;
  const file = path.join(dataDir(), 'auth', 'admin.token');
  if (!fs.existsSync(file)) throw new CliError(`no token: set LETHE_TOKEN or start the local runtime (creates ${file})`, 1);
  return fs.readFileSync(file, 'utf8').trim();
}

async function api(method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${endpoint()}${route}`, {
    method,
    headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try { parsed = JSON.parse(text); } catch { /* keep text */ }
  if (!res.ok) throw new CliError(`${method} ${route} → ${res.status}: ${parsed?.message ?? text}`, 1);
  return parsed;
}

function need(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new CliError(`--${name} is required`);
  return v;
}

function int(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new CliError(`--${name} must be a whole number`);
  return n;
}

function print(json: boolean, value: unknown, human: () => string) {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

async function waitForErasure(requestId: string, timeoutMs = 30 * 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(2000, delay * 1.5)) {
    const out = await api('GET', `/v1/erasures/${encodeURIComponent(requestId)}`);
    if (out.status === 'completed' || out.status === 'failed') return out;
    if (Date.now() > deadline) throw new CliError(`erasure ${requestId} still ${out.status} after ${timeoutMs / 1000}s`, 1);
    await new Promise((r) => setTimeout(r, delay));
  }
}

function receiptText(r: any): string {
  return [`erasure receipt ${r.requestId}`, `  account           ${r.accountId}`, `  subject (hashed)  ${r.userKey}`, `  interactions      ${r.interactionsErased} stripped of identity`, `  user record       ${r.userRowDeleted ? 'deleted' : 'none existed'}`, `  started           ${new Date(r.startedAt).toISOString()}`, `  completed         ${new Date(r.completedAt).toISOString()}`, `  verified          nothing linked remains`].join('\n');
}

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
      name: { type: 'string' }, 'creator-email': { type: 'string' }, 'admin-email': { type: 'string' },
      'retention-days': { type: 'string' }, origin: { type: 'string', multiple: true },
      account: { type: 'string' }, application: { type: 'string' }, pseudonymise: { type: 'string' },
      file: { type: 'string' }, 'key-id': { type: 'string' }, secret: { type: 'string' }, gzip: { type: 'boolean' },
      field: { type: 'string' }, out: { type: 'string' }, 'discovered-at': { type: 'string' }, accounts: { type: 'string' }, description: { type: 'string' }, categories: { type: 'string' }, subjects: { type: 'string' }, records: { type: 'string' }, export: { type: 'string' }, 'grace-days': { type: 'string' }, user: { type: 'string' }, query: { type: 'string' }, lift: { type: 'boolean' }, wait: { type: 'boolean' }, request: { type: 'string' },
    },
  });
  const json = !!values.json;
  const cmd = positionals[0] === 'breach' && positionals[1] === 'status' ? 'breach status' : positionals.join(' ');
  if (values.help || cmd === '' || cmd === 'help') return void process.stdout.write(`${USAGE}\n`);

  switch (cmd) {
    case 'accounts create': {
      const out = await api('POST', '/v1/accounts', {
        name: need(values, 'name'),
        creatorEmail: need(values, 'creator-email'),
        adminEmail: need(values, 'admin-email'),
        retentionDays: int(values['retention-days'], 'retention-days'),
        allowedOrigins: values.origin ?? [],
      });
      return print(json, out, () => `account ${out.accountId}\napplication ${out.applicationId}\nkey id ${out.keyId}\nsecret ${out.secret}   (shown once: store it in the agent's configuration)\nbrowser key ${out.browserKey}`);
    }
    case 'accounts show': {
      const out = await api('GET', `/v1/accounts/${encodeURIComponent(need(values, 'account'))}`);
      return print(json, out, () => `${out.accountId} ${out.name} (${out.status}) retention ${out.retentionDays} days, pseudonymise ${out.pseudonymise ? 'on' : 'off'}`);
    }
    case 'accounts update': {
      const p = values.pseudonymise;
      if (p !== undefined && p !== 'on' && p !== 'off') throw new CliError('--pseudonymise must be on or off');
      const out = await api('PATCH', `/v1/accounts/${encodeURIComponent(need(values, 'account'))}`, {
        retentionDays: int(values['retention-days'], 'retention-days'),
        pseudonymise: p === undefined ? undefined : p === 'on',
        adminEmail: values['admin-email'],
      });
      return print(json, out, () => `updated ${out.accountId}: retention ${out.retentionDays} days, pseudonymise ${out.pseudonymise ? 'on' : 'off'}`);
    }
    case 'accounts terminate': {
      const grace = int(values['grace-days'], 'grace-days');
      const out = await api('POST', `/v1/accounts/${encodeURIComponent(need(values, 'account'))}/terminate`, grace === undefined ? {} : { graceDays: grace });
      return print(json, out, () => `terminated ${out.accountId}: ${out.keysRevoked} agent key(s) revoked; all data deleted after ${out.deleteAfter}`);
    }
    case 'keys rotate': {
      const out = await api('POST', `/v1/accounts/${encodeURIComponent(need(values, 'account'))}/applications/${encodeURIComponent(need(values, 'application'))}/keys`);
      return print(json, out, () => `new key ${out.keyId}\nsecret ${out.secret}   (shown once)\nolder keys stop working at ${new Date(out.previousKeysRetireAt * 1000).toISOString()}`);
    }
    case 'agent send': {
      const keyId = (values['key-id'] as string | undefined) ?? process.env.LETHE_KEY_ID;
      const secret = (values.secret as string | undefined) ?? process.env.LETHE_SECRET;
      if (!keyId || !secret) throw new CliError('--key-id and --secret (or LETHE_KEY_ID and LETHE_SECRET) are required');
      const lines = fs.readFileSync(need(values, 'file'), 'utf8').split('\n').filter((l) => l.trim());
      const events = lines.map((l, i) => { try { return JSON.parse(l); } catch { throw new CliError(`line ${i + 1} is not JSON`); } });
      const results: Array<{ status: number; body: any; serverVerified: boolean; attempts: number }> = [];
      for (let i = 0; i < events.length; i += 500) {
        const r = await sendBatch({ endpoint: endpoint(), keyId, secret }, events.slice(i, i + 500), { gzip: !!values.gzip });
        results.push({ status: r.status, body: r.body, serverVerified: r.serverVerified, attempts: r.attempts });
        if (r.status !== 200) { print(json, results, () => `batch ${i / 500 + 1}: ${r.status} ${JSON.stringify(r.body)}`); process.exitCode = 1; return; }
      }
      const accepted = results.reduce((s, r) => s + r.body.accepted, 0);
      return print(json, { batches: results.length, accepted, results }, () => `sent ${events.length} events in ${results.length} batch(es): ${accepted} stored; server signature verified: ${results.every((r) => r.serverVerified)}`);
    }
    case 'users search': {
      const out = await api('GET', `/v1/accounts/${encodeURIComponent(need(values, 'account'))}/users?query=${encodeURIComponent(need(values, 'query'))}`);
      return print(json, out, () => (out.users.length ? out.users.map((u: any) => `${u.user}\t${u.userKey}\tlast seen ${u.lastSeen ? new Date(u.lastSeen).toISOString() : '-'}${u.doNotTrack ? '\tdo-not-track' : ''}`).join('\n') : 'no user found'));
    }
    case 'users export': {
      const account = need(values, 'account');
      const found = await api('GET', `/v1/accounts/${encodeURIComponent(account)}/users?query=${encodeURIComponent(need(values, 'user'))}`);
      const u = found.users.find((x: any) => x.user === values.user) ?? (found.users.length === 1 ? found.users[0] : undefined);
      if (!u) throw new CliError(`no user ${values.user} in ${account}`, 1);
      const res = await fetch(`${endpoint()}/v1/accounts/${encodeURIComponent(account)}/users/${u.userKey.split('#')[1]}/export`, { headers: { authorization: `Bearer ${token()}` } });
      if (!res.ok) throw new CliError(`export → ${res.status}: ${await res.text()}`, 1);
      process.stdout.write(await res.text());
      return;
    }
    case 'users restrict': {
      const out = await api('POST', `/v1/accounts/${encodeURIComponent(need(values, 'account'))}/users/restrict`, { userId: need(values, 'user'), lift: !!values.lift });
      return print(json, out, () => `${out.doNotTrack ? 'restricted (do-not-track)' : 'restriction lifted'}: ${out.userKey}`);
    }
    case 'audit': {
      const out = await api('GET', `/v1/accounts/${encodeURIComponent(need(values, 'account'))}/audit`);
      return print(json, out, () => out.records.map((r: any) => `${new Date(r.at).toISOString()}\t${r.actor} (${r.role})\t${r.operation}\t${r.outcome}${r.subject ? `\tsubject ${r.subject}` : ''}`).join('\n') || 'no records');
    }
    case 'processing-record': {
      const { processingRecord, toMarkdown } = await import('#core/processing-record.ts');
      const { factsFromModel } = await import('#local/facts.ts');
      const record = processingRecord(factsFromModel());
      const dir = path.resolve((values.out as string | undefined) ?? '.');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'processing-record.json'), `${JSON.stringify(record, null, 2)}\n`);
      fs.writeFileSync(path.join(dir, 'processing-record.md'), toMarkdown(record));
      return print(json, record, () => `wrote ${path.join(dir, 'processing-record.md')} and processing-record.json`);
    }
    case 'findings': {
      const out = await api('GET', `/v1/accounts/${encodeURIComponent(need(values, 'account'))}/findings`);
      return print(json, out, () => (out.findings.length ? out.findings.map((f: any) => `${f.kind}\t${f.detector}\t${f.count}×\tlast ${new Date(f.lastSeen).toISOString()}\te.g. ${f.example}`).join('\n') : 'no findings'));
    }
    case 'erase': {
      const started = await api('POST', `/v1/accounts/${encodeURIComponent(need(values, 'account'))}/erasures`, { userId: need(values, 'user') });
      if (!values.wait) return print(json, started, () => `erasure ${started.requestId} requested; follow it with: lethe erasures status --request ${started.requestId}`);
      const done = await waitForErasure(started.requestId);
      if (done.status !== 'completed') { process.exitCode = 1; return print(json, done, () => `erasure ${done.requestId} ${done.status}: ${done.error ?? ''}`); }
      return print(json, done.receipt, () => receiptText(done.receipt));
    }
    case 'erasures status': {
      const out = await api('GET', `/v1/erasures/${encodeURIComponent(need(values, 'request'))}`);
      return print(json, out, () => (out.receipt ? receiptText(out.receipt) : `erasure ${out.requestId}: ${out.status}`));
    }
    case 'breach report': {
      const accounts = need(values, 'accounts');
      let out = await api('POST', '/v1/breaches', {
        discoveredAt: need(values, 'discovered-at'), description: need(values, 'description'),
        accounts: accounts === 'all' ? 'all' : accounts.split(',').map((a) => a.trim()).filter(Boolean),
        categories: values.categories ? String(values.categories).split(',') : undefined,
        approxSubjects: int(values.subjects, 'subjects'), approxRecords: int(values.records, 'records'),
      });
      const report = out;
      while (out.remaining > 0) out = await api('POST', `/v1/breaches/${report.breachId}/notify`);
      return print(json, report, () => `breach ${report.breachId}: deadline ${report.deadline}; ${report.recipients} recipient(s)${report.withoutContact.length ? `; WITHOUT CONTACT: ${report.withoutContact.join(', ')}` : ''}\nfollow with: lethe breach status ${report.breachId}`);
    }
    case 'breach status': {
      const id = positionals[2];
      if (!id) throw new CliError('give the breach id: lethe breach status BREACH_ID');
      const out = await api('GET', `/v1/breaches/${encodeURIComponent(id)}`);
      return print(json, out, () => [`breach ${out.breachId}: ${out.notified}/${out.total} notified; deadline ${out.deadline} (${out.hoursLeft} h left)`, ...out.recipients.map((r: any) => `  ${r.accountId}\t${r.email ?? '(no contact)'}\t${r.status}${r.sentAt ? `\t${r.sentAt}` : ''}${r.error ? `\t${r.error}` : ''}`)].join('\n'));
    }
    case 'backup export': {
      const out = await api('POST', '/v1/backups');
      return print(json, out, () => out.exports.map((e: any) => `export ${e.exportId} of ${e.tableName}: ${e.itemCount} items`).join('\n'));
    }
    case 'backup list': {
      const out = await api('GET', '/v1/backups');
      return print(json, out, () => out.exports.map((e: any) => `${e.exportId}\t${e.tableName}\t${new Date(e.exportTime).toISOString()}\t${e.itemCount} items`).join('\n') || 'no exports');
    }
    case 'backup restore': {
      const out = await api('POST', '/v1/backups/restores', { exportId: need(values, 'export') });
      return print(json, out, () => `restored ${out.restored} of ${out.read} items into ${out.tableName}; ${out.skippedExpired} expired skipped; ${out.erasuresReapplied} erasures re-applied (${out.identitiesStripped} identities stripped, ${out.userRowsDropped} user rows dropped)`);
    }
    case 'scrub': {
      const field = need(values, 'field') as FieldKind;
      if (!FIELD_KINDS.includes(field)) throw new CliError(`--field must be one of ${FIELD_KINDS.join(', ')}`);
      const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
      for await (const line of rl) {
        const r = scrub(field, line);
        process.stdout.write(json ? `${JSON.stringify({ value: r.value ?? null, detectors: r.detectors, specialCategory: r.specialCategory })}\n` : `${r.value ?? '(dropped: special category)'}\n`);
      }
      return;
    }
    default:
      throw new CliError(`unknown command "${cmd}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`lethe: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof CliError ? e.exitCode : 1);
});

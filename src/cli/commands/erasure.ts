import * as fs from 'node:fs';
import { type Command, CliError, need, print } from '../context.ts';
import { api, enc } from '../http.ts';
import { elapsed, type Progress } from '../progress.ts';

async function waitForErasure(requestId: string, progress: Progress, timeoutMs = 30 * 60_000): Promise<any> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (let delay = 100; ; delay = Math.min(2000, delay * 1.5)) {
    const out = await api('GET', `/v1/erasures/${enc(requestId)}`);
    if (['completed', 'failed', 'cancelled'].includes(out.status)) return out;
    if (Date.now() > deadline)
      throw new CliError(`erasure ${requestId} still ${out.status} after ${timeoutMs / 1000}s`, 1);
    const p = out.progress as { linked?: number; stripped?: number } | undefined;
    const items = p?.linked !== undefined ? `, ${p.stripped ?? 0} of ${p.linked} linked interactions stripped` : '';
    progress.update(`erasure ${requestId}: ${out.status}${items} (${elapsed(started)})`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

function receiptText(r: any): string {
  return [
    `erasure receipt ${r.requestId}`,
    `  account           ${r.accountId}`,
    `  subject (hashed)  ${r.userKey}`,
    `  interactions      ${r.interactionsErased} stripped of identity`,
    `  user record       ${r.userRowDeleted ? 'deleted' : 'none existed'}`,
    `  started           ${new Date(r.startedAt).toISOString()}`,
    `  completed         ${new Date(r.completedAt).toISOString()}`,
    '  verified          nothing linked remains',
  ].join('\n');
}

/** `erase --file`: one identifier per line, in batches of up to 1,000 users; --wait follows every request. */
async function eraseBatch(values: Parameters<Command>[0]['values'], json: boolean, progress: Progress): Promise<void> {
  const file = String(values.file);
  const ids = fs
    .readFileSync(file === '-' ? 0 : file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (!ids.length) throw new CliError(`${file}: no user identifiers (one per line)`, 2);
  const account = enc(need(values, 'account'));
  const requests: Array<{ requestId: string; userKey: string }> = [];
  for (let i = 0; i < ids.length; i += 1_000) {
    const users = ids.slice(i, i + 1_000).map((userId) => ({ userId }));
    requests.push(...(await api('POST', `/v1/accounts/${account}/erasures/batch`, { users })).requests);
  }
  if (!values.wait) {
    print(json, { requests }, () =>
      [`${requests.length} erasure(s) requested:`, ...requests.map((r) => `  ${r.requestId}`)].join('\n'),
    );
    return;
  }
  const ended: any[] = [];
  for (const r of requests) {
    ended.push(await waitForErasure(r.requestId, progress));
    progress.update(`${ended.length} of ${requests.length} erasures ended`);
  }
  progress.done();
  const failed = ended.filter((e) => e.status !== 'completed');
  if (failed.length) process.exitCode = 1;
  print(json, { erasures: ended }, () =>
    ended.map((e) => (e.receipt ? receiptText(e.receipt) : `erasure ${e.requestId} ${e.status}`)).join('\n\n'),
  );
}

export const erasureCommands: Record<string, Command> = {
  async erase({ values, json, progress }) {
    if (values.file !== undefined) return eraseBatch(values, json, progress);
    const started = await api('POST', `/v1/accounts/${enc(need(values, 'account'))}/erasures`, {
      userId: need(values, 'user'),
    });
    if (!values.wait) {
      print(
        json,
        started,
        () =>
          `erasure ${started.requestId} requested; follow it with: lethe erasures status --request ${started.requestId}`,
      );
      return;
    }
    const done = await waitForErasure(started.requestId, progress).finally(() => progress.done());
    if (done.status !== 'completed') {
      process.exitCode = 1;
      print(json, done, () => `erasure ${done.requestId} ${done.status}: ${done.error ?? ''}`);
      return;
    }
    print(json, done.receipt, () => receiptText(done.receipt));
  },

  async 'erasures cancel'({ values, json }) {
    const out = await api('POST', `/v1/erasures/${enc(need(values, 'request'))}/cancel`);
    print(json, out, () => `erasure ${out.requestId} cancelled (what was already stripped stays stripped)`);
  },

  async 'erasures status'({ values, json }) {
    const out = await api('GET', `/v1/erasures/${enc(need(values, 'request'))}`);
    print(json, out, () => (out.receipt ? receiptText(out.receipt) : `erasure ${out.requestId}: ${out.status}`));
  },
};

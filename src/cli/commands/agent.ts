import { sendBatch } from '../../client/agent.ts';
import { type Command, CliError, print, need, readText } from '../context.ts';
import { endpoint, ensureReachable } from '../http.ts';

/** Events per request: within the protocol's batch limit (docs/agent-protocol.md). */
const BATCH = 500;

/** The JSON lines of a file with their line numbers (blank lines skipped, numbers kept). */
function readEvents(file: string): Array<{ line: number; event: unknown }> {
  const out: Array<{ line: number; event: unknown }> = [];
  readText(file)
    .split('\n')
    .forEach((text, i) => {
      if (!text.trim()) return;
      try {
        out.push({ line: i + 1, event: JSON.parse(text) });
      } catch {
        throw new CliError(`${file}:${i + 1} is not JSON; nothing was sent`);
      }
    });
  return out;
}

/** The file line a refusal points at (`events[3].url` of the batch), or the batch's range of lines. */
function refusedAt(body: any, lines: number[]): { where: string; line?: number } {
  const m = /^events\[(\d+)\]/.exec(typeof body?.field === 'string' ? body.field : '');
  const line = m ? lines[Number(m[1])] : undefined;
  return line !== undefined ? { where: `line ${line}`, line } : { where: `lines ${lines[0]}–${lines.at(-1)}` };
}

export const agentCommands: Record<string, Command> = {
  async 'agent send'({ values, json, progress }) {
    const keyId = (values['key-id'] as string | undefined) ?? process.env.LETHE_KEY_ID;
    const secret = (values.secret as string | undefined) ?? process.env.LETHE_SECRET;
    if (!keyId || !secret) throw new CliError('--key-id and --secret (or LETHE_KEY_ID and LETHE_SECRET) are required');
    const file = need(values, 'file');
    const events = readEvents(file);
    await ensureReachable();
    const results: Array<{ status: number; body: any; serverVerified: boolean; attempts: number }> = [];
    let stored = 0;
    try {
      for (let i = 0; i < events.length; i += BATCH) {
        const batch = events.slice(i, i + BATCH);
        progress.update(
          `sending ${file}: ${stored} of ${events.length} events stored, batch ${results.length + 1} of ${Math.ceil(events.length / BATCH)}`,
        );
        const r = await sendBatch(
          { endpoint: endpoint(), keyId, secret },
          batch.map((e) => e.event),
          { gzip: !!values.gzip },
        );
        results.push({ status: r.status, body: r.body, serverVerified: r.serverVerified, attempts: r.attempts });
        if (r.status !== 200) {
          const at = refusedAt(
            r.body,
            batch.map((e) => e.line),
          );
          process.exitCode = 1;
          const summary = {
            batches: results.length,
            accepted: stored,
            refused: { ...at, status: r.status, body: r.body },
            results,
          };
          print(json, summary, () =>
            [
              `${file}: ${at.where} refused (${r.status}): ${r.body?.message ?? JSON.stringify(r.body)}`,
              stored
                ? `already stored: ${stored} events (lines ${events[0]!.line}–${events[i - 1]!.line}, ${results.length - 1} batch(es)); nothing from line ${batch[0]!.line} on was stored`
                : 'nothing was stored',
            ].join('\n'),
          );
          return;
        }
        stored += r.body.accepted ?? 0;
      }
    } finally {
      progress.done();
    }
    print(
      json,
      { batches: results.length, accepted: stored, results },
      () =>
        `sent ${events.length} events in ${results.length} batch(es): ${stored} stored; server signature verified: ${results.every((r) => r.serverVerified)}`,
    );
  },
};

import { CliError, type Command, need, print } from '../context.ts';
import { api } from '../http.ts';
import { elapsed } from '../progress.ts';

export const backupCommands: Record<string, Command> = {
  async 'backup export'({ json }) {
    const out = await api('POST', '/v1/backups');
    print(json, out, () =>
      out.exports.map((e: any) => `export ${e.exportId} of ${e.tableName}: ${e.itemCount} items`).join('\n'),
    );
  },

  async 'backup list'({ json }) {
    const out = await api('GET', '/v1/backups');
    print(
      json,
      out,
      () =>
        out.exports
          .map(
            (e: any) => `${e.exportId}\t${e.tableName}\t${new Date(e.exportTime).toISOString()}\t${e.itemCount} items`,
          )
          .join('\n') || 'no exports',
    );
  },

  /** Starts a restore (a state machine) and follows it to its end, with its progress (files and items so far). */
  async 'backup restore'({ values, json, progress }) {
    const exportId = need(values, 'export');
    const { restoreId } = await api('POST', '/v1/backups/restores', { exportId });
    const started = Date.now();
    let out: any;
    try {
      for (let delay = 100; ; delay = Math.min(2000, delay * 1.5)) {
        out = await api('GET', `/v1/backups/restores/${encodeURIComponent(restoreId)}`);
        if (out.status !== 'running') break;
        const p = out.progress;
        const at = p ? `file ${p.file} of ${p.files}, ${p.report.restored} items written` : 'starting';
        progress.update(`restore ${restoreId} of export ${exportId}: ${at} (${elapsed(started)})`);
        await new Promise((r) => setTimeout(r, delay));
      }
    } finally {
      progress.done();
    }
    if (out.status !== 'succeeded') throw new CliError(`restore ${restoreId} ${out.status}: ${out.error ?? ''}`, 1);
    const r = out.progress.report;
    print(
      json,
      out,
      () =>
        `restore ${restoreId}: restored ${r.restored} of ${r.read} items into ${r.tableName}; ${r.skippedExpired} expired skipped; ` +
        `${r.erasuresReapplied} erasures re-applied (${r.identitiesStripped} identities stripped, ${r.userRowsDropped} user rows dropped)`,
    );
  },
};

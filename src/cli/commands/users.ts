import { type Command, CliError, need, print } from '../context.ts';
import { api, enc } from '../http.ts';
import { elapsed } from '../progress.ts';

const date = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : '-');

export const userCommands: Record<string, Command> = {
  async 'users search'({ values, json }) {
    const out = await api('POST', `/v1/accounts/${enc(need(values, 'account'))}/users/search`, {
      query: need(values, 'query'),
    });
    print(json, out, () =>
      out.users.length
        ? out.users
            .map(
              (u: any) =>
                `${u.user}\t${u.userKey}\tlast seen ${date(u.lastSeen)}${u.doNotTrack ? '\tdo-not-track' : ''}`,
            )
            .join('\n')
        : 'no user found',
    );
  },

  async 'users export'({ values, progress }) {
    const account = need(values, 'account');
    const found = await api('POST', `/v1/accounts/${enc(account)}/users/search`, { query: need(values, 'user') });
    const u =
      found.users.find((x: any) => x.user === values.user) ?? (found.users.length === 1 ? found.users[0] : undefined);
    if (!u) throw new CliError(`no user ${values.user} in ${account}`, 1);
    progress.update('writing the export…');
    const all = values.all ? '?all=true' : '';
    const out = await api('GET', `/v1/accounts/${enc(account)}/users/${u.userKey.split('#')[1]}/export${all}`);
    // the CSV is behind a short-lived link (any size): stream it to standard output
    const res = await fetch(out.url);
    if (!res.ok || !res.body) throw new CliError(`export download → ${res.status}`, 1);
    let got = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      got += chunk.length;
      progress.update(`downloading ${out.rows} rows: ${got} of ${out.bytes} bytes`);
      if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
    }
    progress.done();
  },

  async 'users restrict'({ values, json }) {
    const out = await api('POST', `/v1/accounts/${enc(need(values, 'account'))}/users/restrict`, {
      userId: need(values, 'user'),
      lift: !!values.lift,
    });
    print(json, out, () => `${out.doNotTrack ? 'restricted (do-not-track)' : 'restriction lifted'}: ${out.userKey}`);
  },

  async audit({ values, json }) {
    const out = await api('GET', `/v1/accounts/${enc(need(values, 'account'))}/audit`);
    print(
      json,
      out,
      () =>
        out.records
          .map(
            (r: any) =>
              `${date(r.at)}\t${r.actor} (${r.role})\t${r.operation}\t${r.outcome}${r.subject ? `\tsubject ${r.subject}` : ''}`,
          )
          .join('\n') || 'no records',
    );
  },

  async findings({ values, json }) {
    const out = await api('GET', `/v1/accounts/${enc(need(values, 'account'))}/findings`);
    print(json, out, () =>
      out.findings.length
        ? out.findings
            .map((f: any) => `${f.kind}\t${f.detector}\t${f.count}×\tlast ${date(f.lastSeen)}\te.g. ${f.example}`)
            .join('\n')
        : 'no findings',
    );
  },

  /** Scrubs the account's stored interactions again with its current rules; --wait follows it to its receipt. */
  async rescrub({ values, json, progress }) {
    const account = enc(need(values, 'account'));
    const body = { from: values.from, to: values.to };
    const { rescrubId } = await api('POST', `/v1/accounts/${account}/rescrubs`, body);
    let out = await api('GET', `/v1/accounts/${account}/rescrubs/${rescrubId}`);
    const started = Date.now();
    try {
      while (values.wait && out.status === 'running') {
        progress.update(
          `re-scrub ${rescrubId}: ${out.keysDone ?? 0} of ${out.keys ?? '?'} partitions (${elapsed(started)})`,
        );
        await new Promise((r) => setTimeout(r, 500));
        out = await api('GET', `/v1/accounts/${account}/rescrubs/${rescrubId}`);
      }
    } finally {
      progress.done();
    }
    print(json, out, () =>
      out.receipt && out.status !== 'running'
        ? [
            `re-scrub ${rescrubId} ${out.status}: ${out.receipt.examined} interactions examined, ${out.receipt.changed} changed`,
            ...Object.entries(out.receipt.byDetector as Record<string, number>).map(([d, n]) => `  ${d}\t${n}`),
          ].join('\n')
        : `re-scrub ${rescrubId} ${out.status} (lethe rescrub status --account A --id ${rescrubId})`,
    );
  },

  async 'rescrub status'({ values, json }) {
    const out = await api('GET', `/v1/accounts/${enc(need(values, 'account'))}/rescrubs/${enc(need(values, 'id'))}`);
    print(
      json,
      out,
      () =>
        `re-scrub ${out.rescrubId} ${out.status}${out.receipt ? `: ${out.receipt.changed} changed of ${out.receipt.examined}` : ''}`,
    );
  },

  async 'rescrub cancel'({ values, json }) {
    const out = await api(
      'POST',
      `/v1/accounts/${enc(need(values, 'account'))}/rescrubs/${enc(need(values, 'id'))}/cancel`,
    );
    print(json, out, () => `re-scrub ${out.rescrubId} cancelled`);
  },
};

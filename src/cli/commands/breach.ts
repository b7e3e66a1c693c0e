import { type Command, CliError, int, need, print } from '../context.ts';
import { api, enc } from '../http.ts';

export const breachCommands: Record<string, Command> = {
  async 'breach report'({ values, json, progress }) {
    const accounts = need(values, 'accounts');
    const report = await api('POST', '/v1/breaches', {
      discoveredAt: need(values, 'discovered-at'),
      description: need(values, 'description'),
      accounts:
        accounts === 'all'
          ? 'all'
          : accounts
              .split(',')
              .map((a) => a.trim())
              .filter(Boolean),
      categories: values.categories ? String(values.categories).split(',') : undefined,
      approxSubjects: int(values.subjects, 'subjects'),
      approxRecords: int(values.records, 'records'),
    });
    // The report call notifies a first share of the recipients; the rest are notified call by call.
    let out = report;
    try {
      while (out.remaining > 0) {
        progress.update(
          `breach ${report.breachId}: ${report.recipients - out.remaining} of ${report.recipients} recipients notified`,
        );
        out = await api('POST', `/v1/breaches/${report.breachId}/notify`);
      }
    } finally {
      progress.done();
    }
    print(json, report, () =>
      [
        `breach ${report.breachId}: deadline ${report.deadline}; ${report.recipients} recipient(s)` +
          (report.withoutContact.length ? `; WITHOUT CONTACT: ${report.withoutContact.join(', ')}` : ''),
        `follow with: lethe breach status ${report.breachId}`,
      ].join('\n'),
    );
  },

  async 'breach status'({ positionals, json }) {
    const id = positionals[2];
    if (!id) throw new CliError('give the breach id: lethe breach status BREACH_ID');
    const out = await api('GET', `/v1/breaches/${enc(id)}`);
    print(json, out, () =>
      [
        `breach ${out.breachId}: ${out.notified}/${out.total} notified; deadline ${out.deadline} (${out.hoursLeft} h left)`,
        ...out.recipients.map(
          (r: any) =>
            `  ${r.accountId}\t${r.email ?? '(no contact)'}\t${r.status}${r.sentAt ? `\t${r.sentAt}` : ''}${r.error ? `\t${r.error}` : ''}`,
        ),
      ].join('\n'),
    );
  },
};

import { type Command, CliError, int, need, print } from '../context.ts';
import { api, enc } from '../http.ts';

export const accountCommands: Record<string, Command> = {
  async 'accounts create'({ values, json }) {
    const out = await api('POST', '/v1/accounts', {
      name: need(values, 'name'),
      creatorEmail: need(values, 'creator-email'),
      adminEmail: need(values, 'admin-email'),
      retentionDays: int(values['retention-days'], 'retention-days'),
      allowedOrigins: values.origin ?? [],
    });
    print(json, out, () =>
      [
        `account ${out.accountId}`,
        `application ${out.applicationId}`,
        `key id ${out.keyId}`,
        `secret ${out.secret}   (shown once: store it in the agent's configuration)`,
        `browser key ${out.browserKey}`,
        out.invitation === 'invited'
          ? `console: ${String(values['admin-email'])} is invited (a temporary password by e-mail)`
          : out.invitation === 'granted'
            ? `console: ${String(values['admin-email'])} already signs in, and now administers this account`
            : `console: the invitation could not be sent; send it again with: lethe users invite --account ${out.accountId} --email ${String(values['admin-email'])} --role account-admin`,
      ].join('\n'),
    );
  },

  async 'accounts show'({ values, json }) {
    const out = await api('GET', `/v1/accounts/${enc(need(values, 'account'))}`);
    print(
      json,
      out,
      () =>
        `${out.accountId} ${out.name} (${out.status}) retention ${out.retentionDays} days, pseudonymise ${out.pseudonymise ? 'on' : 'off'}`,
    );
  },

  async 'accounts update'({ values, json }) {
    const p = values.pseudonymise;
    if (p !== undefined && p !== 'on' && p !== 'off') throw new CliError('--pseudonymise must be on or off');
    const out = await api('PATCH', `/v1/accounts/${enc(need(values, 'account'))}`, {
      retentionDays: int(values['retention-days'], 'retention-days'),
      pseudonymise: p === undefined ? undefined : p === 'on',
      adminEmail: values['admin-email'],
      // who receives findings notices (they cannot be turned off): a comma-separated list of 1–5 addresses
      noticeContacts:
        values['notice-contacts'] === undefined
          ? undefined
          : String(values['notice-contacts'])
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
    });
    print(
      json,
      out,
      () =>
        `updated ${out.accountId}: retention ${out.retentionDays} days, pseudonymise ${out.pseudonymise ? 'on' : 'off'}` +
        (out.noticeContacts ? `, notices to ${out.noticeContacts.join(', ')}` : ''),
    );
  },

  async 'accounts terminate'({ values, json }) {
    const grace = int(values['grace-days'], 'grace-days');
    const out = await api(
      'POST',
      `/v1/accounts/${enc(need(values, 'account'))}/terminate`,
      grace === undefined ? {} : { graceDays: grace },
    );
    print(
      json,
      out,
      () =>
        `terminated ${out.accountId}: ${out.keysRevoked} agent key(s) revoked; all data deleted after ${out.deleteAfter}`,
    );
  },

  /** Lifts an ingest suspension (special categories kept arriving after the final notice): administrators. */
  async 'accounts resume'({ values, json }) {
    const out = await api('POST', `/v1/accounts/${enc(need(values, 'account'))}/resume`);
    print(json, out, () => `resumed ingest for ${out.accountId}`);
  },

  /** An account's administrator (or staff) invites a teammate to the account's console. */
  async 'users invite'({ values, json }) {
    const role = values.role ?? 'customer';
    if (role !== 'customer' && role !== 'account-admin')
      throw new CliError('--role: customer or account-admin (staff are invited with `lethe staff invite`)');
    const out = await api('POST', `/v1/accounts/${enc(need(values, 'account'))}/people`, {
      email: need(values, 'email'),
      admin: role === 'account-admin',
    });
    print(json, out, () =>
      out.outcome === 'invited'
        ? `invited ${String(values.email)} to ${out.accountId} (a temporary password by e-mail)`
        : `${String(values.email)} already signs in: given ${out.accountId}`,
    );
  },

  /** Administrators add a staff member; TOTP MFA is set up at the first sign-in. */
  async 'staff invite'({ values, json }) {
    const out = await api('POST', '/v1/staff', { email: need(values, 'email'), role: need(values, 'role') });
    print(json, out, () => `${out.outcome} ${String(values.email)} as ${out.role} (MFA set up at the first sign-in)`);
  },

  async 'keys rotate'({ values, json }) {
    const out = await api(
      'POST',
      `/v1/accounts/${enc(need(values, 'account'))}/applications/${enc(need(values, 'application'))}/keys`,
    );
    print(
      json,
      out,
      () =>
        `new key ${out.keyId}\nsecret ${out.secret}   (shown once)\nolder keys stop working at ${new Date(out.previousKeysRetireAt * 1000).toISOString()}`,
    );
  },
};

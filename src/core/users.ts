import type { Account } from './accounts.ts';
import type { Operation, Principal } from './access.ts';
import type { Clock } from './clock.ts';
import { csvStream } from './csv.ts';
import { badRequest } from './errors.ts';
import { userKeyOf } from './identity.ts';
import type { InteractionItem } from './ingest.ts';
import { type AuditEntry, audited, guard, type ManagementPorts, noSuchAccount, subjectKey } from './management.ts';
import { daysAfter, RESTRICTION_DAYS, servable } from './retention.ts';

/** Data-subject rights on the data of one account: access (P10), portability (P13), restriction (P12). */
export interface UserRow {
  userKey: string;
  label?: string;
  firstSeen?: number;
  lastSeen?: number;
  doNotTrack?: boolean;
  erasing?: number;
  expiresAt?: number;
}

export interface Page<T> {
  items: T[];
  cursor?: string;
}

export interface UsersPorts {
  clock: Clock;
  getAccount(accountId: string): Promise<Account | undefined>;
  usersByLabelPrefix(accountId: string, prefix: string, limit: number): Promise<UserRow[]>;
  getUser(accountId: string, userKey: string): Promise<UserRow | undefined>;
  /** newest first, by the per-user index */
  interactionsOfUser(userKey: string, cursor: string | undefined, limit: number): Promise<Page<InteractionItem>>;
  interactionsOfApp(
    accountId: string,
    applicationId: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<InteractionItem>>;
  setDoNotTrack(accountId: string, userKey: string, on: boolean, nowMs: number): Promise<void>;
  audit(entry: AuditEntry): Promise<void>;
  /**
   * Writes an export's CSV, streamed, where a short-lived link can serve it (AWS: the backup bucket's
   * `user-exports/` prefix, KMS, expiring within a day); the object's key names no user.
   */
  storeExport(accountId: string, chunks: AsyncIterable<string>): Promise<{ key: string; bytes: number }>;
  /** a link that downloads the stored export as `filename` for `seconds` */
  exportLink(key: string, filename: string, seconds: number): Promise<string>;
}

/** How long an export's download link works (the object itself expires within a day). */
export const EXPORT_LINK_SECONDS = 15 * 60;

type Ports = UsersPorts & Pick<ManagementPorts, 'audit' | 'clock'>;

/**
 * Every read path filters with this: nothing expired (by its TTL or the account's current retention) is served (P7).
 */
const live = <T extends { expiresAt?: unknown; ts?: unknown }>(items: T[], nowSec: number, retentionDays?: number) =>
  items.filter((i) => servable(i, nowSec, retentionDays));
const nowSec = (p: Ports) => Math.floor(p.clock.nowMs() / 1000);
const publicUser = (u: UserRow) => ({
  userKey: u.userKey,
  user: u.label,
  firstSeen: u.firstSeen,
  lastSeen: u.lastSeen,
  doNotTrack: !!u.doNotTrack,
});
const publicInteraction = ({ pk: _pk, sk: _sk, userKey: _k, ...rest }: InteractionItem) => rest;

async function existingAccount(p: Ports, who: Principal, accountId: string, op: Operation): Promise<Account> {
  const a = await p.getAccount(accountId);
  if (!a) throw noSuchAccount(who, op);
  return a;
}

/**
 * Searches an account's users: exact match through the keyed hash (works for pseudonymised ids too), then label prefix.
 */
export async function searchUsers(p: Ports, who: Principal, accountId: string, query: unknown) {
  return audited(p, who, 'users:search', accountId, async () => {
    if (typeof query !== 'string' || !query || query.length > 256)
      throw badRequest('query', 'give 1 to 256 characters of a user identifier');
    const account = await existingAccount(p, who, accountId, 'users:search');
    const exact = await p.getUser(accountId, userKeyOf(accountId, account.accountKey, query));
    const byPrefix = account.pseudonymise ? [] : await p.usersByLabelPrefix(accountId, query, 50);
    const all = new Map<string, UserRow>();
    for (const u of [exact, ...byPrefix]) if (u && u.label && !u.erasing) all.set(u.userKey, u);
    // a user is found only while their last sighting is within the account's current retention
    return {
      users: live(
        [...all.values()].map((u) => ({ ...u, ts: u.lastSeen })),
        nowSec(p),
        account.retentionDays,
      ).map(publicUser),
    };
  });
}

function userKeyFromPath(accountId: string, hash: string): string {
  if (!/^[A-Za-z0-9_-]{32}$/.test(hash)) throw badRequest('userKey', 'not a user key');
  return `${accountId}#${hash}`;
}

export async function listUserInteractions(
  p: Ports,
  who: Principal,
  accountId: string,
  userHash: string,
  cursor?: string,
  limit = 50,
) {
  await guard(p, who, 'users:search', accountId);
  const userKey = userKeyFromPath(accountId, userHash);
  return audited(
    p,
    who,
    'users:search',
    accountId,
    async () => {
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badRequest('limit', 'must be 1..500');
      const account = await existingAccount(p, who, accountId, 'users:search');
      const page = await p.interactionsOfUser(userKey, cursor, limit);
      return { items: live(page.items, nowSec(p), account.retentionDays).map(publicInteraction), cursor: page.cursor };
    },
    userKey,
  );
}

/** Interactions of an application, newest first, with identities removed (what engineers may see). */
export async function listAnonymousInteractions(
  p: Ports,
  who: Principal,
  accountId: string,
  applicationId: string,
  cursor?: string,
  limit = 50,
) {
  return audited(p, who, 'interactions:read-anonymous', accountId, async () => {
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw badRequest('limit', 'must be 1..500');
    const account = await existingAccount(p, who, accountId, 'interactions:read-anonymous');
    const page = await p.interactionsOfApp(accountId, applicationId, cursor, limit);
    return {
      items: live(page.items, nowSec(p), account.retentionDays).map(({ user: _u, ...rest }) =>
        publicInteraction(rest as InteractionItem),
      ),
      cursor: page.cursor,
    };
  });
}

export const CSV_HEADER = [
  'time',
  'application',
  'type',
  'outcome',
  'duration_ms',
  'url',
  'label',
  'error',
  'browser',
  'event_id',
];

/** Portability (P13): the user's failed and slow interactions as CSV, produced page by page. */
export async function exportUserCsv(
  p: Ports,
  who: Principal,
  accountId: string,
  userHash: string,
  all = false,
): Promise<{ url: string; expiresAt: number; rows: number; bytes: number; scope: 'failed-and-slow' | 'all' }> {
  await guard(p, who, 'users:export', accountId);
  const userKey = userKeyFromPath(accountId, userHash);
  return audited(
    p,
    who,
    'users:export',
    accountId,
    async () => {
      const now = nowSec(p);
      const { retentionDays } = await existingAccount(p, who, accountId, 'users:export');
      let count = 0;
      async function* rows() {
        let cursor: string | undefined;
        do {
          const page = await p.interactionsOfUser(userKey, cursor, 500);
          for (const i of page.items)
            if ((all || i.outcome === 'failed' || i.outcome === 'slow') && servable(i, now, retentionDays)) {
              count++;
              yield i;
            }
          cursor = page.cursor;
        } while (cursor);
      }
      const csv = csvStream(CSV_HEADER, rows(), (i) => [
        new Date(i.ts).toISOString(),
        i.applicationId,
        i.type,
        i.outcome,
        i.duration,
        i.url,
        i.label,
        i.error,
        i.browser ? `${i.browser.family} ${i.browser.version}` : '',
        i.eventId,
      ]);
      // Written to storage and answered with a link, not in the response: an export of any size is complete
      // (a buffered Lambda response stops at 6 MB).
      const { key, bytes } = await p.storeExport(accountId, csv);
      const url = await p.exportLink(key, 'interactions.csv', EXPORT_LINK_SECONDS);
      return {
        url,
        expiresAt: p.clock.nowMs() + EXPORT_LINK_SECONDS * 1000,
        rows: count,
        bytes,
        scope: all ? ('all' as const) : ('failed-and-slow' as const),
      };
    },
    userKey,
  );
}

/** Restriction (P12): later events for this user are stored without identity; `on: false` lifts it. */
export async function restrictUser(
  p: Ports,
  who: Principal,
  accountId: string,
  body: { userId?: unknown; userKey?: unknown; lift?: unknown },
) {
  await guard(p, who, 'users:restrict', accountId);
  const byKey = typeof body?.userKey === 'string';
  if (!byKey && (typeof body?.userId !== 'string' || !body.userId || body.userId.length > 256))
    throw badRequest('userId', 'give the user identifier (or the userKey from a search)');
  if (byKey && !/^acc_[a-f0-9]{16}#[A-Za-z0-9_-]{32}$/.test(body.userKey as string))
    throw badRequest('userKey', 'a userKey from a user search');
  if (body.lift !== undefined && typeof body.lift !== 'boolean') throw badRequest('lift', 'must be true or false');
  const account = await p.getAccount(accountId);
  const userKey = account
    ? subjectKey(accountId, account.accountKey, body as { userId?: string; userKey?: string })
    : undefined;
  return audited(
    p,
    who,
    'users:restrict',
    accountId,
    async () => {
      if (!account || !userKey) throw noSuchAccount(who, 'users:restrict');
      const nowMs = p.clock.nowMs();
      await p.setDoNotTrack(accountId, userKey, !body.lift, nowMs);
      // a restriction keeps only the hash, for RESTRICTION_DAYS; setting it again renews it (docs/data-map.md)
      return {
        userKey,
        doNotTrack: !body.lift,
        ...(body.lift ? {} : { restrictedUntil: new Date(daysAfter(nowMs, RESTRICTION_DAYS) * 1000).toISOString() }),
      };
    },
    userKey,
  );
}

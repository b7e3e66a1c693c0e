import type { AccountStatus } from './accounts.ts';
import type { Clock } from './clock.ts';
import { nowSeconds } from './clock.ts';
import { DATA_MAP } from './data-map.ts';
import {
  DAY_SECONDS,
  MAX_RETENTION_DAYS,
  type RetentionCeiling,
  type RetentionFloor,
  servable,
  TTL_GRACE_SECONDS,
} from './retention.ts';

/**
 * The retention auditor (P7, P8): for every item type the data map gives the account's retention, finds what
 * DynamoDB TTL has not removed yet — items past expiry, items older than an account's shortened retention — and
 * deletes them; deletes every item of a terminated account once its grace period is over, leaving a deletion receipt
 * without personal data.
 */
export interface AccountSummary {
  accountId: string;
  status: AccountStatus;
  retentionDays: number;
  /** the shortest retention still in force for items stored before a lengthening, until `until` (epoch ms) */
  retentionFloor?: RetentionFloor;
  /** the longest retention whose expiries items stored before a shortening still carry, until `until` (epoch ms) */
  retentionCeiling?: RetentionCeiling;
  applicationIds: string[];
  /** epoch ms after which a terminated account's data is deleted */
  deleteAfter?: number;
}

/** The item types whose lifetime is the account's retention setting: the auditor polices exactly these. */
export const ACCOUNT_RETENTION_ITEMS = DATA_MAP.filter((p) => p.kind === 'item' && p.retention.rule === 'account').map(
  (p) => p.id,
);

export interface ItemRef {
  /** the data-map place (item type) */
  place: string;
  key: { pk: string; sk: string };
  /** when the item's retention is counted from (event time, last sighting, latest finding), epoch ms */
  ts?: number;
  expiresAt?: number;
}

/** One page of an item type, and where the next one starts (undefined: none); the position is the adapter's own. */
export interface ItemPage {
  items: ItemRef[];
  next?: unknown;
  /**
   * false: `next` may not become a checkpoint (it would name an identity, e.g. a Users row's hash, in the state
   * machine's history); the step goes on to a page where it may stop
   */
  canStopHere?: boolean;
}

export interface RetentionPorts {
  clock: Clock;
  /** the ids of the accounts, a page at a time, in a stable order */
  listAccountIds(after?: string): Promise<{ accountIds: string[]; next?: string }>;
  accountSummary(accountId: string): Promise<AccountSummary | undefined>;
  /**
   * The items of one account-retention item type (ACCOUNT_RETENTION_ITEMS) of an account, with ts and expiresAt,
   * page by page from `from`. With the cutoffs, a store may return only the items whose retention counts from
   * at or before `olderThanMs` (keys ordered by time) or whose expiry is at or before `expiresBy` (epoch s; an index by
   * expiry): every doomed item meets both. Others may come too: the core decides.
   */
  itemsOf(place: string, account: AccountSummary, q: AuditQuery): AsyncIterable<ItemPage>;
  deleteItems(items: ItemRef[]): Promise<void>;
  /** deletes the account's own partition and its key lookups; returns how many items */
  deleteAccountRecords(accountId: string): Promise<number>;
  writeReceipt(receipt: DeletionReceipt): Promise<void>;
  publishMetric(name: string, value: number): Promise<void>;
}

export interface DeletionReceipt {
  kind: 'contract-termination';
  accountId: string;
  interactions: number;
  users: number;
  accountRecords: number;
  terminatedDeleteAfter: number;
  startedAt: number;
  completedAt: number;
}

export interface AuditCounts {
  accounts: number;
  examined: number;
  deletedExpired: number;
  deletedBeyondRetention: number;
  terminatedAccountsDeleted: number;
}

export interface AuditReport extends AuditCounts {
  receipts: DeletionReceipt[];
}

/** Where an account's audit stands: the checkpoint a step returns and the next one starts from (JSON). */
export interface AccountCheckpoint {
  accountId: string;
  /** index into ACCOUNT_RETENTION_ITEMS */
  place: number;
  /** the adapter's position within that item type */
  from?: unknown;
  startedAt: number;
  /** items deleted so far per item type (a termination receipt counts them) */
  deleted: Record<string, number>;
  counts: AuditCounts;
}

export interface AccountStep {
  done: boolean;
  checkpoint: AccountCheckpoint;
  receipt?: DeletionReceipt;
}

export const zeroCounts = (): AuditCounts => ({
  accounts: 0,
  examined: 0,
  deletedExpired: 0,
  deletedBeyondRetention: 0,
  terminatedAccountsDeleted: 0,
});

export function addCounts(a: AuditCounts, b: AuditCounts): AuditCounts {
  return {
    accounts: a.accounts + b.accounts,
    examined: a.examined + b.examined,
    deletedExpired: a.deletedExpired + b.deletedExpired,
    deletedBeyondRetention: a.deletedBeyondRetention + b.deletedBeyondRetention,
    terminatedAccountsDeleted: a.terminatedAccountsDeleted + b.terminatedAccountsDeleted,
  };
}

/** Past TTL plus grace: TTL should have removed it, so it counts toward the alarm metric. */
export function overdue(item: ItemRef, nowSec: number): boolean {
  return typeof item.expiresAt === 'number' && item.expiresAt + TTL_GRACE_SECONDS <= nowSec;
}

/**
 * Before this time (epoch ms) an item of the account may be expired or beyond retention; after it, none is. Every
 * item was stored with an expiry of at least the floor's days (the shortest retention in force since), and the
 * current retention is never shorter than what it allows now, so a store ordered by time reads only what is doomed.
 */
export function auditCutoff(account: AccountSummary, nowMs: number): number {
  const floor =
    account.retentionFloor && account.retentionFloor.until > nowMs
      ? Math.min(account.retentionFloor.days, account.retentionDays)
      : account.retentionDays;
  return nowMs - floor * DAY_SECONDS * 1000;
}

/**
 * At or before this time (epoch s) an item's expiry lies if it may be doomed: past its expiry now, or stored before a
 * shortening of retention with the longer expiry of then (at most the ceiling's days − the current retention ahead
 * of when it became due). While no shortening is in force, only what is already past its expiry.
 */
export function expiryCutoff(account: AccountSummary, nowMs: number): number {
  const ceiling =
    account.retentionCeiling && account.retentionCeiling.until > nowMs
      ? Math.max(0, account.retentionCeiling.days - account.retentionDays)
      : 0;
  return Math.floor(nowMs / 1000) + ceiling * DAY_SECONDS;
}

/** What an auditor step asks a store for (see RetentionPorts.itemsOf). */
export interface AuditQuery {
  olderThanMs?: number;
  expiresBy?: number;
  from?: unknown;
}

/**
 * One bounded step of one account's audit: at most `maxPages` pages, then it returns where it stopped (a checkpoint
 * the next step starts from, so a retried or resumed run never redoes or skips a page). Idempotent: deleting what is
 * already gone is a no-op. The last step of a terminated account deletes its own records and writes the receipt.
 */
export async function auditAccountStep(
  p: RetentionPorts,
  accountId: string,
  from?: AccountCheckpoint,
  maxPages = 50,
): Promise<AccountStep> {
  const nowMs = p.clock.nowMs();
  const now = nowSeconds(p.clock);
  const cp: AccountCheckpoint = from ?? {
    accountId,
    place: 0,
    startedAt: nowMs,
    deleted: {},
    counts: { ...zeroCounts(), accounts: 1 },
  };
  const account = await p.accountSummary(accountId);
  if (!account) return { done: true, checkpoint: cp };
  const terminate =
    account.status === 'terminated' && account.deleteAfter !== undefined && account.deleteAfter <= nowMs;
  const cut = terminate ? {} : { olderThanMs: auditCutoff(account, nowMs), expiresBy: expiryCutoff(account, nowMs) };
  let pages = 0;
  for (; cp.place < ACCOUNT_RETENTION_ITEMS.length; cp.place++, cp.from = undefined) {
    const place = ACCOUNT_RETENTION_ITEMS[cp.place]!;
    for await (const page of p.itemsOf(place, account, { ...cut, from: cp.from })) {
      cp.counts.examined += page.items.length;
      // past its own expiry, or (retention shortened since) older than the account's retention allows
      const doomed = terminate ? page.items : page.items.filter((i) => !servable(i, now, account.retentionDays));
      if (!terminate)
        for (const i of doomed) {
          if (overdue(i, now)) cp.counts.deletedExpired++;
          else cp.counts.deletedBeyondRetention++;
        }
      if (doomed.length) await p.deleteItems(doomed);
      cp.deleted[place] = (cp.deleted[place] ?? 0) + doomed.length;
      if (page.next === undefined) break;
      cp.from = page.next;
      if (++pages >= maxPages && page.canStopHere !== false) return { done: false, checkpoint: cp };
    }
  }
  if (!terminate) return { done: true, checkpoint: cp };
  const { 'interactions.event': interactions = 0, 'users.user': users = 0, ...other } = cp.deleted;
  const accountRecords =
    (await p.deleteAccountRecords(account.accountId)) + Object.values(other).reduce((a, b) => a + b, 0);
  const receipt: DeletionReceipt = {
    kind: 'contract-termination',
    accountId: account.accountId,
    interactions,
    users,
    accountRecords,
    terminatedDeleteAfter: account.deleteAfter!,
    startedAt: cp.startedAt,
    completedAt: p.clock.nowMs(),
  };
  await p.writeReceipt(receipt);
  cp.counts.terminatedAccountsDeleted++;
  return { done: true, checkpoint: cp, receipt };
}

/** The metrics the alarms watch (namespace Lethe), from what a run (or a part of it) did. */
export async function publishAuditMetrics(p: RetentionPorts, c: AuditCounts): Promise<void> {
  await p.publishMetric('OverdueExpiredItemsDeleted', c.deletedExpired);
  await p.publishMetric('BeyondRetentionItemsDeleted', c.deletedBeyondRetention);
  await p.publishMetric('TerminatedAccountsDeleted', c.terminatedAccountsDeleted);
}

/**
 * A whole audit in one process, account after account (the local reference and the tests' clock-controlled run).
 * On AWS the same steps run as the RetentionAudit state machine: pages of accounts, accounts in parallel,
 * each account step by step from its checkpoint (lib/stateless/jobs.ts).
 */
export async function runRetentionAudit(p: RetentionPorts): Promise<AuditReport> {
  let counts = zeroCounts();
  const receipts: DeletionReceipt[] = [];
  let after: string | undefined;
  do {
    const page = await p.listAccountIds(after);
    for (const accountId of page.accountIds) {
      let step = await auditAccountStep(p, accountId);
      while (!step.done) step = await auditAccountStep(p, accountId, step.checkpoint);
      counts = addCounts(counts, step.checkpoint.counts);
      if (step.receipt) receipts.push(step.receipt);
    }
    after = page.next;
  } while (after);
  await publishAuditMetrics(p, counts);
  return { ...counts, receipts };
}

/** When a terminated account's data goes: now + grace days (1..90). */
export function deletionTime(nowMs: number, graceDays: number): number {
  if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > MAX_RETENTION_DAYS)
    throw new RangeError(`grace must be 0..${MAX_RETENTION_DAYS} days`);
  return nowMs + graceDays * DAY_SECONDS * 1000;
}

/** What the RetentionAudit state machine carries from page to page of accounts (no personal data: ids, counts). */
export interface AuditRunState {
  /** where the next page of accounts starts */
  next?: string;
  totals?: AuditCounts;
  failed?: number;
  /** what the Map state gave for the page just audited */
  results?: Array<{ counts?: AuditCounts; failed?: boolean }>;
}

/** Folds the page just audited into the run's totals. */
function fold(state: AuditRunState): { totals: AuditCounts; failed: number } {
  let totals = state.totals ?? zeroCounts();
  let failed = state.failed ?? 0;
  for (const r of state.results ?? []) {
    if (r.failed) failed++;
    if (r.counts) totals = addCounts(totals, r.counts);
  }
  return { totals, failed };
}

/** Page size of the Map over accounts: its ids, and the page's results, stay far below the 256 KB payload limit. */
export const ACCOUNTS_PER_PAGE = 100;

/**
 * The steps of the RetentionAudit state machine (lib/stateless/jobs.ts), one per invocation of the retention
 * worker: `plan` lists a page of accounts (folding in what the previous page gave), `account` runs one bounded
 * step of one account from its checkpoint, `finish` gives the run's totals and fails the run if an account failed.
 */
export const retentionSteps = {
  async plan(p: RetentionPorts, state: AuditRunState) {
    const { totals, failed } = fold(state);
    const page = await p.listAccountIds(state.next);
    return { accountIds: page.accountIds.slice(0, ACCOUNTS_PER_PAGE), next: page.next, totals, failed };
  },
  async account(p: RetentionPorts, state: { accountId: string; checkpoint?: AccountCheckpoint }) {
    if (typeof state.accountId !== 'string') throw new TypeError('accountId is required');
    const step = await auditAccountStep(p, state.accountId, state.checkpoint);
    if (step.done) await publishAuditMetrics(p, step.checkpoint.counts);
    return { accountId: state.accountId, done: step.done, checkpoint: step.checkpoint };
  },
  async finish(_p: RetentionPorts, state: AuditRunState) {
    const { totals, failed } = fold(state);
    if (failed) throw Object.assign(new Error(`${failed} account(s) could not be audited`), { name: 'AccountsFailed' });
    return totals;
  },
};
export type RetentionAction = keyof typeof retentionSteps;

import type { AccountStatus } from './accounts.ts';
import type { Clock } from './clock.ts';
import { nowSeconds } from './clock.ts';
import { DATA_MAP } from './data-map.ts';
import { DAY_SECONDS, MAX_RETENTION_DAYS, servable, TTL_GRACE_SECONDS } from './retention.ts';

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

export interface RetentionPorts {
  clock: Clock;
  listAccounts(): Promise<AccountSummary[]>;
  /** every item of one account-retention item type (ACCOUNT_RETENTION_ITEMS) of an account, with ts and expiresAt */
  itemsOf(place: string, account: AccountSummary): AsyncIterable<ItemRef[]>;
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

export interface AuditReport {
  accounts: number;
  examined: number;
  deletedExpired: number;
  deletedBeyondRetention: number;
  terminatedAccountsDeleted: number;
  receipts: DeletionReceipt[];
}

/** Past TTL plus grace: TTL should have removed it, so it counts toward the alarm metric. */
export function overdue(item: ItemRef, nowSec: number): boolean {
  return typeof item.expiresAt === 'number' && item.expiresAt + TTL_GRACE_SECONDS <= nowSec;
}

export async function runRetentionAudit(p: RetentionPorts): Promise<AuditReport> {
  const startedAt = p.clock.nowMs();
  const now = nowSeconds(p.clock);
  const report: AuditReport = {
    accounts: 0,
    examined: 0,
    deletedExpired: 0,
    deletedBeyondRetention: 0,
    terminatedAccountsDeleted: 0,
    receipts: [],
  };
  for (const account of await p.listAccounts()) {
    report.accounts++;
    const terminate =
      account.status === 'terminated' && account.deleteAfter !== undefined && account.deleteAfter <= p.clock.nowMs();
    const deleted: Record<string, number> = {};
    for (const place of ACCOUNT_RETENTION_ITEMS) {
      deleted[place] = 0;
      for await (const page of p.itemsOf(place, account)) {
        report.examined += page.length;
        // past its own expiry, or (retention shortened since) older than the account's retention allows
        const doomed = terminate ? page : page.filter((i) => !servable(i, now, account.retentionDays));
        if (!terminate)
          for (const i of doomed) {
            if (overdue(i, now)) report.deletedExpired++;
            else report.deletedBeyondRetention++;
          }
        deleted[place] += doomed.length;
        if (doomed.length) await p.deleteItems(doomed);
      }
    }
    if (terminate) {
      const { 'interactions.event': interactions = 0, 'users.user': users = 0, ...other } = deleted;
      const accountRecords =
        (await p.deleteAccountRecords(account.accountId)) + Object.values(other).reduce((a, b) => a + b, 0);
      const receipt: DeletionReceipt = {
        kind: 'contract-termination',
        accountId: account.accountId,
        interactions,
        users,
        accountRecords,
        terminatedDeleteAfter: account.deleteAfter!,
        startedAt,
        completedAt: p.clock.nowMs(),
      };
      await p.writeReceipt(receipt);
      report.receipts.push(receipt);
      report.terminatedAccountsDeleted++;
    }
  }
  await p.publishMetric('OverdueExpiredItemsDeleted', report.deletedExpired);
  await p.publishMetric('BeyondRetentionItemsDeleted', report.deletedBeyondRetention);
  await p.publishMetric('TerminatedAccountsDeleted', report.terminatedAccountsDeleted);
  return report;
}

/** When a terminated account's data goes: now + grace days (1..90). */
export function deletionTime(nowMs: number, graceDays: number): number {
  if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > MAX_RETENTION_DAYS)
    throw new RangeError(`grace must be 0..${MAX_RETENTION_DAYS} days`);
  return nowMs + graceDays * DAY_SECONDS * 1000;
}

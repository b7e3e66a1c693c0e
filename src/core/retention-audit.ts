import type { AccountStatus } from './accounts.ts';
import type { Clock } from './clock.ts';
import { nowSeconds } from './clock.ts';
import { DAY_SECONDS, MAX_RETENTION_DAYS, servable, TTL_GRACE_SECONDS } from './retention.ts';

/**
 * The retention auditor (P7, P8): finds what DynamoDB TTL has not removed yet — items past expiry plus a
 * grace, items older than an account's shortened retention — and deletes them; deletes every item of a
 * terminated account once its grace period is over, leaving a deletion receipt without personal data.
 */
export interface AccountSummary {
  accountId: string;
  status: AccountStatus;
  retentionDays: number;
  applicationIds: string[];
  /** epoch ms after which a terminated account's data is deleted */
  deleteAfter?: number;
}

export interface ItemRef {
  table: 'interactions' | 'users';
  key: { pk: string; sk: string };
  ts?: number;
  expiresAt?: number;
}

export interface RetentionPorts {
  clock: Clock;
  listAccounts(): Promise<AccountSummary[]>;
  /** every interaction key of one application partition, with ts and expiresAt */
  interactionsOf(accountId: string, applicationId: string): AsyncIterable<ItemRef[]>;
  usersOf(accountId: string): AsyncIterable<ItemRef[]>;
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
  const report: AuditReport = { accounts: 0, examined: 0, deletedExpired: 0, deletedBeyondRetention: 0, terminatedAccountsDeleted: 0, receipts: [] };
  for (const account of await p.listAccounts()) {
    report.accounts++;
    const terminate = account.status === 'terminated' && account.deleteAfter !== undefined && account.deleteAfter <= p.clock.nowMs();
    let interactions = 0;
    let users = 0;
    for (const appId of account.applicationIds) {
      for await (const page of p.interactionsOf(account.accountId, appId)) {
        report.examined += page.length;
        const doomed = terminate ? page : page.filter((i) => overdue(i, now) || !servable(i, now, account.retentionDays));
        if (!terminate) for (const i of doomed) { if (overdue(i, now)) report.deletedExpired++; else report.deletedBeyondRetention++; }
        interactions += doomed.length;
        if (doomed.length) await p.deleteItems(doomed);
      }
    }
    for await (const page of p.usersOf(account.accountId)) {
      report.examined += page.length;
      // past their own expiry, or (retention shortened since) past the account's retention from their last sighting
      const doomed = terminate ? page : page.filter((u) => (typeof u.expiresAt === 'number' && u.expiresAt <= now) || !servable(u, now, account.retentionDays));
      users += doomed.length;
      if (doomed.length) await p.deleteItems(doomed);
    }
    if (terminate) {
      const accountRecords = await p.deleteAccountRecords(account.accountId);
      const receipt: DeletionReceipt = { kind: 'contract-termination', accountId: account.accountId, interactions, users, accountRecords, terminatedDeleteAfter: account.deleteAfter!, startedAt, completedAt: p.clock.nowMs() };
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
  if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > MAX_RETENTION_DAYS) throw new RangeError(`grace must be 0..${MAX_RETENTION_DAYS} days`);
  return nowMs + graceDays * DAY_SECONDS * 1000;
}

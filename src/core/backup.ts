import type { Clock } from './clock.ts';
import { nowSeconds } from './clock.ts';
import { servable } from './retention.ts';
import { notFound } from './errors.ts';

/**
 * Backups (P9): exports in the DynamoDB export format (DYNAMODB_JSON) in the eu-west-1 backup bucket.
 * A restore re-applies every erasure of the ledger before anything is written back, and skips expired items.
 */
export const EXPORT_PREFIX = 'exports/';
export const LEDGER_PREFIX = 'erasure-ledger/';

/** An exported item as it was stored (its attributes are the item type's, src/core/data-map.ts). */
export type StoredItem = Record<string, unknown>;

export interface ExportSummary {
  exportId: string;
  tableName: string;
  exportTime: number;
  itemCount: number;
}

export interface LedgerEntry {
  requestId: string;
  accountId: string;
  userKey: string;
  erasedAt: number;
}

export interface BackupPorts {
  clock: Clock;
  /** starts (AWS) or writes (locally) an export of each personal-data table */
  exportTables(): Promise<ExportSummary[]>;
  listExports(): Promise<ExportSummary[]>;
  readExport(exportId: string): AsyncIterable<StoredItem[]>;
  readLedger(): Promise<LedgerEntry[]>;
  writeItems(tableName: string, items: StoredItem[]): Promise<void>;
}

export interface RestoreReport {
  exportId: string;
  tableName: string;
  read: number;
  restored: number;
  skippedExpired: number;
  erasuresReapplied: number;
  identitiesStripped: number;
  userRowsDropped: number;
}

/** Applies the ledger to one exported item: null = drop it; otherwise the item to write back. */
export function reapplyErasures(item: StoredItem, erased: Set<string>): StoredItem | null {
  if (typeof item.userKey === 'string' && erased.has(item.userKey)) {
    const { userKey: _k, user: _u, ...rest } = item;
    return rest;
  }
  // a Users row of an erased identity (sk is the userKey) goes entirely
  if (typeof item.sk === 'string' && erased.has(item.sk)) return null;
  return item;
}

export async function restoreExport(p: BackupPorts, exportId: string): Promise<RestoreReport> {
  const summary = (await p.listExports()).find((e) => e.exportId === exportId);
  if (!summary) throw notFound(`export ${exportId}`);
  const ledger = await p.readLedger();
  // every erasure the ledger knows is re-applied (a superset of "since the export": re-erasing is a no-op)
  const erased = new Set(ledger.map((l) => l.userKey));
  const now = nowSeconds(p.clock);
  const report: RestoreReport = {
    exportId,
    tableName: summary.tableName,
    read: 0,
    restored: 0,
    skippedExpired: 0,
    erasuresReapplied: ledger.length,
    identitiesStripped: 0,
    userRowsDropped: 0,
  };
  for await (const page of p.readExport(exportId)) {
    report.read += page.length;
    const out: StoredItem[] = [];
    for (const item of page) {
      if (!servable(item, now)) {
        report.skippedExpired++;
        continue;
      }
      const kept = reapplyErasures(item, erased);
      if (kept === null) {
        report.userRowsDropped++;
        continue;
      }
      if (kept !== item) report.identitiesStripped++;
      out.push(kept);
    }
    if (out.length) await p.writeItems(summary.tableName, out);
    report.restored += out.length;
  }
  return report;
}

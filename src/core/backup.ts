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
  /** the export's data files, in a stable order (their names are not personal data) */
  exportFiles(exportId: string): Promise<string[]>;
  readExportFile(file: string): Promise<StoredItem[]>;
  readLedger(): Promise<LedgerEntry[]>;
  writeItems(tableName: string, items: StoredItem[]): Promise<void>;
}

/** A restore as the Restore state machine runs it (lib/stateless/jobs.ts) and the API reports it. */
export interface RestoreStarter {
  startRestore(input: RestoreInput): Promise<void>;
  /** undefined: no such restore */
  restoreStatus(restoreId: string): Promise<RestoreStatus | undefined>;
}

export interface RestoreInput {
  restoreId: string;
  exportId: string;
  tableName: string;
}

export interface RestoreStatus {
  restoreId: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: number;
  stoppedAt?: number;
  /** where it stands: the last checkpoint the state machine recorded */
  progress?: RestorePosition;
  error?: string;
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

/** Where a restore stands: the state the Restore state machine carries from step to step (ids and counts only). */
export interface RestorePosition {
  restoreId: string;
  exportId: string;
  tableName: string;
  files: number;
  /** the next file to read, and the line within it */
  file: number;
  line: number;
  more: boolean;
  report: RestoreReport;
}

/** Items written back per step: a step stays far inside the worker's timeout, and its checkpoint is fine-grained. */
export const RESTORE_ITEMS_PER_STEP = 5_000;

/**
 * The steps of the Restore state machine, one per invocation of the restore worker. `prepare` checks the export and
 * counts its files; each `part` restores up to RESTORE_ITEMS_PER_STEP items from where the last one stopped,
 * re-applying every erasure of the ledger as it is at that moment (an erasure finished during the restore counts
 * too) and skipping expired items. Writing an item twice is a no-op, so a retried step is harmless.
 */
export const restoreSteps = {
  async prepare(p: BackupPorts, input: RestoreInput): Promise<RestorePosition> {
    const summary = (await p.listExports()).find((e) => e.exportId === input.exportId);
    if (!summary) throw notFound(`export ${input.exportId}`);
    const files = (await p.exportFiles(input.exportId)).length;
    return {
      restoreId: input.restoreId,
      exportId: input.exportId,
      tableName: summary.tableName,
      files,
      file: 0,
      line: 0,
      more: files > 0,
      report: {
        exportId: input.exportId,
        tableName: summary.tableName,
        read: 0,
        restored: 0,
        skippedExpired: 0,
        erasuresReapplied: (await p.readLedger()).length,
        identitiesStripped: 0,
        userRowsDropped: 0,
      },
    };
  },

  async part(p: BackupPorts, at: RestorePosition, maxItems = RESTORE_ITEMS_PER_STEP): Promise<RestorePosition> {
    const files = await p.exportFiles(at.exportId);
    // every erasure the ledger knows is re-applied (a superset of "since the export": re-erasing is a no-op)
    const ledger = await p.readLedger();
    const erased = new Set(ledger.map((l) => l.userKey));
    const now = nowSeconds(p.clock);
    const report = { ...at.report, erasuresReapplied: ledger.length };
    let { file, line } = at;
    let budget = maxItems;
    while (file < files.length && budget > 0) {
      const items = await p.readExportFile(files[file]!);
      const slice = items.slice(line, line + budget);
      const out: StoredItem[] = [];
      for (const item of slice) {
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
      if (out.length) await p.writeItems(at.tableName, out);
      report.read += slice.length;
      report.restored += out.length;
      budget -= slice.length;
      line += slice.length;
      if (line >= items.length) {
        file++;
        line = 0;
      }
    }
    return { ...at, file, line, more: file < files.length, report };
  },
};
export type RestoreAction = keyof typeof restoreSteps;

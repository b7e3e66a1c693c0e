import * as z from '../zod.ts';
import { restoreExport } from '../backup.ts';
import { badRequest } from '../errors.ts';
import { audited, guard } from '../management.ts';
import type { BackupRoutePorts, Route } from './route.ts';
import { doc } from './shapes.ts';

/** The backup function's routes (administrators). */
export const backup: Array<Route<BackupRoutePorts>> = [
  {
    method: 'GET',
    path: '/v1/backups',
    fn: 'backup',
    operation: 'backup:manage',
    status: 200,
    summary: 'list the exports (administrators)',
    response: doc(({ ExportSummary }) => z.object({ exports: z.array(ExportSummary) })),
    errors: [],
    run: async (p, who) => ({
      body: { exports: await audited(p, who, 'backup:manage', undefined, () => p.listExports()) },
    }),
  },
  {
    method: 'POST',
    path: '/v1/backups',
    fn: 'backup',
    operation: 'backup:manage',
    status: 202,
    summary: 'export every exported table now (administrators)',
    response: doc(({ ExportSummary }) => z.object({ exports: z.array(ExportSummary) })),
    errors: [],
    run: async (p, who) => ({
      body: { exports: await audited(p, who, 'backup:manage', undefined, () => p.exportTables()) },
    }),
  },
  {
    method: 'POST',
    path: '/v1/backups/restores',
    fn: 'backup',
    operation: 'backup:manage',
    status: 200,
    summary: 'restore an export: erasures of the ledger re-applied first, expired items skipped',
    request: doc(({ RestoreSchema }) => RestoreSchema),
    response: doc(({ str }) =>
      z.object({
        exportId: str,
        tableName: str,
        read: z.int(),
        restored: z.int(),
        skippedExpired: z.int(),
        erasuresReapplied: z.int(),
        identitiesStripped: z.int(),
        userRowsDropped: z.int(),
      }),
    ),
    errors: [400, 404],
    run: async (p, who, r) => {
      await guard(p, who, 'backup:manage', undefined);
      const body = r.body() as { exportId?: unknown } | undefined;
      if (typeof body?.exportId !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(body.exportId))
        throw badRequest('exportId', 'give the id of an export (lethe backup list)');
      const exportId = body.exportId;
      return { body: await audited(p, who, 'backup:manage', undefined, () => restoreExport(p, exportId)) };
    },
  },
];

import * as z from '../zod.ts';
import { badRequest, notFound } from '../errors.ts';
import { audited, guard } from '../management.ts';
import { type BackupRoutePorts, need, type Route } from './route.ts';
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
    status: 202,
    summary:
      'start a restore of an export (a state machine): erasures of the ledger re-applied, expired items skipped; follow it with GET /v1/backups/restores/{restoreId}',
    request: doc(({ RestoreSchema }) => RestoreSchema),
    response: doc(({ str }) =>
      z.object({ restoreId: str, exportId: str, tableName: str, status: z.literal('running') }),
    ),
    errors: [400, 404],
    run: async (p, who, r) => {
      await guard(p, who, 'backup:manage', undefined);
      const body = r.body() as { exportId?: unknown } | undefined;
      if (typeof body?.exportId !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(body.exportId))
        throw badRequest('exportId', 'give the id of an export (lethe backup list)');
      const exportId = body.exportId;
      return {
        body: await audited(p, who, 'backup:manage', undefined, async () => {
          const summary = (await p.listExports()).find((e) => e.exportId === exportId);
          if (!summary) throw notFound(`export ${exportId}`);
          const input = { restoreId: `rs_${p.newId()}`, exportId, tableName: summary.tableName };
          await p.startRestore(input);
          return { ...input, status: 'running' as const };
        }),
      };
    },
  },
  {
    method: 'GET',
    path: '/v1/backups/restores/{restoreId}',
    fn: 'backup',
    operation: 'backup:manage',
    status: 200,
    summary: 'a restore: running, succeeded or failed, with its progress (files and items so far) and its report',
    response: doc(({ str, ts }) =>
      z.object({
        restoreId: str,
        status: z.enum(['running', 'succeeded', 'failed']),
        startedAt: ts,
        stoppedAt: z.optional(ts),
        error: z.optional(str),
        progress: z.optional(
          z.object({
            files: z.int(),
            file: z.int(),
            report: z.object({
              exportId: str,
              tableName: str,
              read: z.int(),
              restored: z.int(),
              skippedExpired: z.int(),
              erasuresReapplied: z.int(),
              identitiesStripped: z.int(),
              userRowsDropped: z.int(),
            }),
          }),
        ),
      }),
    ),
    errors: [404],
    run: async (p, who, r) => {
      const restoreId = need(r.path.restoreId, 'restoreId');
      return {
        body: await audited(p, who, 'backup:manage', undefined, async () => {
          const status = /^rs_[A-Za-z0-9]{1,64}$/.test(restoreId) ? await p.restoreStatus(restoreId) : undefined;
          if (!status) throw notFound(`restore ${restoreId}`);
          const { progress, ...rest } = status;
          return {
            ...rest,
            progress: progress && { files: progress.files, file: progress.file, report: progress.report },
          };
        }),
      };
    },
  },
];

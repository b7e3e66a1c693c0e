import type { Context } from 'aws-lambda';
import { appendAudit } from '#adapters/audit-store.ts';
import { backupPorts } from '#adapters/backup-store.ts';
import type { HttpEvent } from '#adapters/http.ts';
import { routesFunction } from '#adapters/routes-handler.ts';
import { ROUTES } from '#core/routes.ts';

const api = routesFunction(ROUTES.backup, { ...backupPorts, audit: appendAudit });

/** Daily schedule: export. API (administrators): the backup routes of the route table. */
export const handler = async (event: HttpEvent | { source?: string }, context: Context) => {
  if ('httpMethod' in event) return api(event, context);
  return { exports: await backupPorts.exportTables() };
};

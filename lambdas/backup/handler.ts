import '#wiring/aws.ts';
import type { Context } from 'aws-lambda';
import type { HttpEvent } from '#adapters/http.ts';
import { routesFunction } from '#adapters/routes-handler.ts';
import { ROUTES } from '#core/routes.ts';
import { backupRoutePorts } from '#wiring/ports.ts';

const api = routesFunction(ROUTES.backup, backupRoutePorts);

/** Daily schedule: export. API (administrators): the backup routes of the route table. */
export const handler = async (event: HttpEvent | { source?: string }, context: Context) => {
  if ('httpMethod' in event) return api(event, context);
  return { exports: await backupRoutePorts.exportTables() };
};

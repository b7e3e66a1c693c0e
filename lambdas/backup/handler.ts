import '#wiring/aws.ts';
import middy from '@middy/core';
import { observed } from '#adapters/observability.ts';
import type { Context } from 'aws-lambda';
import type { HttpEvent } from '#adapters/http.ts';
import { routesFunction } from '#adapters/routes-handler.ts';
import { backup } from '#core/routes/backup.ts';
import { backupRoutePorts } from '#wiring/ports.ts';

const api = routesFunction(backup, backupRoutePorts, { observe: false });

/** Daily schedule: export. API (administrators): the backup routes of the route table. */
const run = async (event: HttpEvent | { source?: string }, context: Context) => {
  if ('httpMethod' in event) return api(event, context);
  return { exports: await backupRoutePorts.exportTables() };
};

/** With the Lambda context and correlation id in its logs, and traced (src/adapters/observability.ts). */
export const handler = observed(middy(run), { traceAwsCalls: true });

import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { appendAudit } from '#adapters/audit-store.ts';
import { breachPorts } from '#adapters/breach-store.ts';
import type { HttpEvent } from '#adapters/http.ts';
import { routesFunction } from '#adapters/routes-handler.ts';
import { watchDeadlines } from '#core/breach.ts';
import { ROUTES } from '#core/routes.ts';

const api = routesFunction(ROUTES.breach, { ...breachPorts, audit: appendAudit, newId: () => randomBytes(8).toString('hex') });

/** API Gateway (administrators: the breach routes of the route table) or the 15-minute schedule (deadline watch). */
export const handler = async (event: HttpEvent | { source?: string }, context: Context) =>
  ('httpMethod' in event ? api(event, context) : { watched: await watchDeadlines(breachPorts) });

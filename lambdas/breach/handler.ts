import '#wiring/aws.ts';
import type { Context } from 'aws-lambda';
import type { HttpEvent } from '#adapters/http.ts';
import { routesFunction } from '#adapters/routes-handler.ts';
import { watchDeadlines } from '#core/breach.ts';
import { ROUTES } from '#core/routes.ts';
import { breachRoutePorts } from '#wiring/ports.ts';

const api = routesFunction(ROUTES.breach, breachRoutePorts);

/** API Gateway (administrators: the breach routes of the route table) or the 15-minute schedule (deadline watch). */
export const handler = async (event: HttpEvent | { source?: string }, context: Context) =>
  'httpMethod' in event ? api(event, context) : { watched: await watchDeadlines(breachRoutePorts) };

import '#wiring/aws.ts';
import middy from '@middy/core';
import { observed } from '#adapters/observability.ts';
import type { Context } from 'aws-lambda';
import type { HttpEvent } from '#adapters/http.ts';
import { routesFunction } from '#adapters/routes-handler.ts';
import { watchDeadlines } from '#core/breach.ts';
import { breach } from '#core/routes/breach.ts';
import { breachRoutePorts } from '#wiring/ports.ts';

const api = routesFunction(breach, breachRoutePorts, { observe: false });

/** API Gateway (administrators: the breach routes of the route table) or the 15-minute schedule (deadline watch). */
const run = async (event: HttpEvent | { source?: string }, context: Context) =>
  'httpMethod' in event ? api(event, context) : { watched: await watchDeadlines(breachRoutePorts) };

/** With the Lambda context and correlation id in its logs, and traced (src/adapters/observability.ts). */
export const handler = observed(middy(run), { traceAwsCalls: true });

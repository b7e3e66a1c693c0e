import { randomBytes } from 'node:crypto';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { appendAudit } from '#adapters/audit-store.ts';
import { breachPorts } from '#adapters/breach-store.ts';
import { httpErrors, jsonResponse } from '#adapters/http.ts';
import { principalOf } from '#adapters/principal.ts';
import { parseJson, rawBody } from '#core/body.ts';
import { breachStatus, notifyBreach, reportBreach, watchDeadlines } from '#core/breach.ts';
import { notFound } from '#core/errors.ts';
import { audited } from '#core/management.ts';

const ports = { ...breachPorts, audit: appendAudit };
/** Sending continues in the same invocation for this long; the 15-minute watch and `notify` take the rest. */
const budget = (context?: Partial<Context>) => Math.max(1000, Math.min(20_000, (context?.getRemainingTimeInMillis?.() ?? 25_000) - 5_000));

const api = middy<APIGatewayProxyEvent, APIGatewayProxyResult>().use(httpErrors()).handler(async (event, context) => {
  const p = principalOf(event);
  const id = event.pathParameters?.breachId;
  switch (`${event.httpMethod} ${event.resource}`) {
    case 'POST /v1/breaches':
      return jsonResponse(201, await audited(ports, p, 'breach:report', undefined, async () => {
        const reported = await reportBreach(breachPorts, p.sub, parseJson(rawBody(event.body, event.isBase64Encoded)), () => randomBytes(8).toString('hex'));
        return { ...reported, ...(await notifyBreach(breachPorts, reported.breachId, { budgetMs: budget(context) })) };
      }));
    case 'POST /v1/breaches/{breachId}/notify':
      return jsonResponse(200, await audited(ports, p, 'breach:report', undefined, () => notifyBreach(breachPorts, id!, { budgetMs: budget(context) })));
    case 'GET /v1/breaches/{breachId}': {
      const status = await audited(ports, p, 'breach:read', undefined, () => breachStatus(breachPorts, id!));
      if (!status) throw notFound('breach');
      return jsonResponse(200, status);
    }
    default:
      throw notFound('route');
  }
});

/** API Gateway (administrators) or the 15-minute EventBridge schedule (deadline watch). */
export const handler = async (event: any, context: any) => (event?.httpMethod ? api(event, context) : { watched: await watchDeadlines(breachPorts) });

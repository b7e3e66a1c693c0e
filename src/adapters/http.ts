import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { HttpError } from '#core/errors.ts';

export const lowerHeaders = (event: APIGatewayProxyEvent): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? undefined]));

export function jsonResponse(status: number, payload: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode: status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }, body: JSON.stringify(payload) };
}

/**
 * Middy error mapping, the same in every HTTP function: a domain HttpError becomes its status and JSON body;
 * anything else is logged (without the request) and answered 503 + Retry-After, so an agent keeps its data.
 */
export const httpErrors = (): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => ({
  onError: async (request) => {
    const e = request.error;
    if (e instanceof HttpError) {
      request.response = jsonResponse(e.status, e.body(), e.headers);
      return;
    }
    // loaded on the first unexpected error only (a chunk of its own): API functions do not load it at cold start
    const { logger } = await import('./observability.ts');
    logger.error('unhandled error', { error: e instanceof Error ? { name: e.name, message: e.message } : String(e) });
    request.response = jsonResponse(503, { error: 'unavailable', message: 'temporarily unavailable, retry later' }, { 'Retry-After': '2' });
  },
});

import httpRouterHandler from '@middy/http-router';
import type { Context } from 'aws-lambda';
import { parseJson, rawBody } from '#core/body.ts';
import { notFound } from '#core/errors.ts';
import type { Route } from '#core/routes/index.ts';
import { httpFunction, type HttpEvent, type HttpResult, jsonResponse } from './http.ts';
import { principalOf } from './principal.ts';

/**
 * One function's share of the route table (src/core/routes/), dispatched by @middy/http-router: each route
 * parses the request, runs its use case with this function's ports, and answers with the route's status.
 */
export function routesFunction<P>(routes: ReadonlyArray<Route<P>>, ports: P, options: { observe?: boolean } = {}) {
  const handlers = routes.map((r) => ({
    method: r.method,
    path: r.path,
    handler: async (event: HttpEvent, context?: Partial<Context>): Promise<HttpResult> => {
      const answer = await r.run(ports, principalOf(event), {
        path: event.pathParameters ?? {},
        query: event.queryStringParameters ?? {},
        headers: event.headers as Record<string, string | undefined>,
        body: () => (event.body ? parseJson(rawBody(event.body, event.isBase64Encoded)) : undefined),
        remainingMs: context?.getRemainingTimeInMillis?.(),
      });
      if (r.response !== 'csv') return jsonResponse(r.status, answer.body, answer.headers);
      return {
        statusCode: r.status,
        headers: { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-store', ...answer.headers },
        body: String(answer.body),
      };
    },
  }));
  const router = httpRouterHandler<HttpEvent, HttpResult>({
    routes: handlers,
    notFoundResponse: () => {
      throw notFound('route');
    },
  }) as unknown as (event: HttpEvent, context: Context) => Promise<HttpResult>;
  return httpFunction((event, context) => router(event, context), options);
}

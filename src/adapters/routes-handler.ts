import type { Context } from 'aws-lambda';
import { parseJson, rawBody } from '#core/body.ts';
import { notFound } from '#core/errors.ts';
import type { Route } from '#core/routes/index.ts';
import type { PublicRoute } from '#core/routes/session.ts';
import type { SessionPorts } from '#core/people.ts';
import { httpFunction, type HttpEvent, type HttpResult, jsonResponse } from './http.ts';
import { principalOf } from './principal.ts';

/**
 * One function's share of the route table (src/core/routes/): API Gateway has matched the route already, so the
 * function finds it by `method resource` (the path template, e.g. /v1/accounts/{accountId}) in a map, parses the
 * request, runs its use case with this function's ports, and answers with the route's status.
 *
 * Not @middy/http-router: it matches the concrete path again with regular expressions, and its module alone
 * adds about 50 ms to a cold start (measured with the cold-start benchmark's bundling), two thirds of a bare
 * DynamoDB handler's.
 */
export function routesFunction<P>(routes: ReadonlyArray<Route<P>>, ports: P, options: { observe?: boolean } = {}) {
  const byResource = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
  return httpFunction(async (event: HttpEvent, context?: Partial<Context>): Promise<HttpResult> => {
    const r = byResource.get(`${event.httpMethod} ${event.resource}`);
    if (!r) throw notFound('route');
    const answer = await r.run(ports, principalOf(event), {
      path: event.pathParameters ?? {},
      query: event.queryStringParameters ?? {},
      headers: event.headers as Record<string, string | undefined>,
      body: () => (event.body ? parseJson(rawBody(event.body, event.isBase64Encoded)) : undefined),
      remainingMs: context?.getRemainingTimeInMillis?.(),
    });
    return jsonResponse(r.status, answer.body, answer.headers);
  }, options);
}

/** The public session routes (src/core/routes/session.ts): no principal yet, the same parsing and answers. */
export function publicRoutesFunction(routes: readonly PublicRoute[], ports: SessionPorts) {
  const byResource = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
  return httpFunction(async (event: HttpEvent): Promise<HttpResult> => {
    const r = byResource.get(`${event.httpMethod} ${event.resource}`);
    if (!r) throw notFound('route');
    const body = await r.run(ports, {
      path: event.pathParameters ?? {},
      query: event.queryStringParameters ?? {},
      headers: event.headers as Record<string, string | undefined>,
      body: () => (event.body ? parseJson(rawBody(event.body, event.isBase64Encoded)) : undefined),
    });
    // tokens: never cached by a browser or a proxy
    return jsonResponse(r.status, body, { 'Cache-Control': 'no-store' });
  });
}

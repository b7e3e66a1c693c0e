import middy, { type MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DomainError, type ErrorKind } from '#core/errors.ts';
import { logger, observed } from './observability.ts';

export type HttpEvent = APIGatewayProxyEvent;
export type HttpResult = APIGatewayProxyResult;

/** The one mapping from domain errors to HTTP: status and the `error` code of the JSON body. */
export const STATUS: Record<ErrorKind, [number, string]> = {
  invalid: [400, 'invalid_request'],
  unauthenticated: [401, 'unauthorized'],
  forbidden: [403, 'forbidden'],
  'not-found': [404, 'not_found'],
  conflict: [409, 'conflict'],
  stale: [412, 'precondition_failed'],
  'too-large': [413, 'payload_too_large'],
  retryable: [503, 'unavailable'],
};

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function jsonReply(status: number, payload: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(payload),
  };
}

/** A domain error as an answer: its status, `{ error, message, field }`, and Retry-After when it is retryable. */
export function errorReply(e: DomainError): Reply {
  const [status, error] = STATUS[e.kind];
  return jsonReply(
    status,
    { error, message: e.message, ...(e.field ? { field: e.field } : {}) },
    e.retryAfterSeconds ? { 'Retry-After': String(e.retryAfterSeconds) } : {},
  );
}

export const toResult = (r: Reply): HttpResult => ({ statusCode: r.status, headers: r.headers, body: r.body });
export const jsonResponse = (status: number, payload: unknown, headers: Record<string, string> = {}): HttpResult =>
  toResult(jsonReply(status, payload, headers));

/**
 * Turns what a use case threw into an error @middy/http-error-handler answers with: a domain error as its status
 * and JSON body; anything else is logged (without the request) and answered 503 + Retry-After, so an agent keeps
 * its data and tries again.
 */
const domainErrors = (): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    const e = request.error;
    if (!(e instanceof DomainError)) {
      logger.error('unhandled error', { error: e instanceof Error ? { name: e.name, message: e.message } : String(e) });
    }
    const reply =
      e instanceof DomainError
        ? errorReply(e)
        : jsonReply(
            503,
            { error: 'unavailable', message: 'temporarily unavailable, retry later' },
            { 'Retry-After': '2' },
          );
    request.error = Object.assign(new Error(reply.body), {
      statusCode: reply.status,
      expose: true,
      headers: reply.headers,
    });
  },
});

/**
 * Every HTTP function: lower-case header names (@middy/http-header-normalizer), domain errors answered by @middy/http-
 * error-handler.
 */
export function httpFunction(
  handler: (event: HttpEvent, context: Context) => Promise<HttpResult>,
  { observe = true } = {},
) {
  const base = middy<HttpEvent, HttpResult>();
  // a function that also runs on a schedule is observed once, around both (see lambdas/backup)
  return (observe ? observed(base) : base)
    .use(httpHeaderNormalizer())
    .use(httpErrorHandler({ logger: false }))
    .use(domainErrors())
    .handler(handler);
}

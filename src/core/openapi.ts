import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import * as z from './zod.ts';
import { BatchSchema, browserBatchSchema } from './events.ts';
import { LIMITS } from './limits.ts';
import { type PublicRoute, SESSION_ROUTES } from './routes/session.ts';
import { ALL_ROUTES, type AnyRoute } from './routes/index.ts';

const DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request: `field` names the field path, `message` the reason',
  401: 'unknown or retired key, bad signature, stale timestamp, missing or invalid token, terminated account',
  403: 'not allowed (role, account scope or origin); the same answer whether or not the resource exists',
  404: 'not found',
  409: 'replayed signed request, or a terminated account',
  412: 'If-Match is not the current ETag: the settings changed since they were read',
  413: 'body (or decompressed body) too large',
  503: 'could not store or temporarily unavailable: keep the data and retry after `Retry-After` seconds',
};

const ErrorBody = z
  .object({ error: z.string(), message: z.string(), field: z.optional(z.string()) })
  .register(z.globalRegistry, { id: 'Error' });
const Accepted = z
  .object({ accepted: z.int(), expired: z.int(), findings: z.int() })
  .register(z.globalRegistry, { id: 'Accepted' });
const Batch = BatchSchema.register(z.globalRegistry, { id: 'Batch' });
const BrowserBatch = browserBatchSchema().register(z.globalRegistry, { id: 'BrowserBatch' });

const errors = (codes: number[]) =>
  Object.fromEntries(
    [...new Set(codes)].sort().map((c) => [
      String(c),
      {
        description: DESCRIPTIONS[c]!,
        ...(c === 503 ? { headers: z.object({ 'Retry-After': z.string() }) } : {}),
        content: { 'application/json': { schema: ErrorBody } },
      },
    ]),
  );

/** get /v1/accounts/{accountId}/users/search → getAccountsUsersSearch (unique per route). */
const operationId = (r: Pick<AnyRoute, 'method' | 'path'>) =>
  r.method.toLowerCase() +
  r.path
    .split('/')
    .filter((s) => s && s !== 'v1' && !s.startsWith('{'))
    .map((s) => s.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()))
    .join('') +
  (/\}$/.test(r.path) ? 'One' : '');

function operationOf(r: AnyRoute): ZodOpenApiOperationObject {
  const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const json = r.request ? { schema: r.request() } : undefined;
  return {
    operationId: operationId(r),
    summary: r.summary,
    description: `Operation \`${r.operation}\` of the access matrix (docs/access.md).`,
    security: [{ bearer: [] }],
    requestParams: {
      ...(params.length ? { path: z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) } : {}),
      ...(r.query
        ? {
            query: z.object(
              Object.fromEntries(
                Object.entries(r.query).map(([k, d]) => [
                  k,
                  z.optional(z.string().register(z.globalRegistry, { description: d })),
                ]),
              ),
            ),
          }
        : {}),
      ...(r.headers
        ? {
            header: z.object(
              Object.fromEntries(
                Object.entries(r.headers).map(([k, d]) => [
                  k,
                  z.optional(z.string().register(z.globalRegistry, { description: d })),
                ]),
              ),
            ),
          }
        : {}),
    },
    ...(json
      ? {
          requestBody: {
            required: r.method !== 'POST' || !r.path.endsWith('/terminate'),
            content:
              r.method === 'PATCH'
                ? { 'application/merge-patch+json': json, 'application/json': json }
                : { 'application/json': json },
          },
        }
      : {}),
    responses: {
      [String(r.status)]: { description: r.summary, content: { 'application/json': { schema: r.response() } } },
      ...errors([401, 403, ...r.errors, 503]),
    },
  };
}

/** The public sign-in routes (src/core/routes/session.ts): no token yet. */
function sessionOperationOf(r: PublicRoute): ZodOpenApiOperationObject {
  return {
    operationId: operationId(r),
    summary: r.summary,
    description: 'Public: the console’s sign-in through the Cognito user pools (audited; no token needed).',
    security: [],
    requestBody: { required: true, content: { 'application/json': { schema: r.request() } } },
    responses: {
      [String(r.status)]: { description: r.summary, content: { 'application/json': { schema: r.response() } } },
      ...errors([...r.errors, 503]),
    },
  };
}

function managementPaths(): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const r of ALL_ROUTES) paths[r.path] = { ...paths[r.path], [r.method.toLowerCase()]: operationOf(r) };
  for (const r of SESSION_ROUTES) paths[r.path] = { ...paths[r.path], post: sessionOperationOf(r) };
  return paths;
}

const agentPaths: ZodOpenApiPathsObject = {
  '/v1/events': {
    post: {
      operationId: 'postEvents',
      summary: 'A signed batch from a server-side agent (docs/agent-protocol.md)',
      security: [{ agentKey: [] }],
      requestParams: {
        header: z.object({
          'X-Lethe-Key-Proof': z
            .string()
            .check(z.regex(/^v2=\d+\.[0-9a-f]{64}$/))
            .register(z.globalRegistry, {
              description:
                'v2=<unix minute>.hex(HMAC-SHA256(secret, "<unix minute>.<key id>")), checked by the gateway\'s authorizer',
            }),
          'X-Lethe-Timestamp': z
            .string()
            .check(z.regex(/^\d+$/))
            .register(z.globalRegistry, {
              description: `unix seconds; at most ${LIMITS.signatureWindowSeconds} s from server time`,
            }),
          'X-Lethe-Signature': z
            .string()
            .check(z.regex(/^v1=[0-9a-f]{64}$/))
            .register(z.globalRegistry, { description: 'v1=hex(HMAC-SHA256(secret, "<timestamp>.<raw body>"))' }),
          'Content-Encoding': z.optional(z.enum(['gzip', 'identity'])),
        }),
      },
      requestBody: { required: true, content: { 'application/json': { schema: Batch } } },
      responses: {
        200: {
          description: `every event is stored; at most ${LIMITS.maxEventsPerBatch} events, ${LIMITS.maxBodyBytes} bytes. The answer is signed: X-Lethe-Signature over "<timestamp>.<request signature>.<body>"`,
          headers: z.object({ 'X-Lethe-Timestamp': z.string(), 'X-Lethe-Signature': z.string() }),
          content: { 'application/json': { schema: Accepted } },
        },
        ...errors([400, 401, 409, 413, 503]),
      },
    },
  },
  '/v1/browser-events': {
    post: {
      operationId: 'postBrowserEvents',
      summary: 'A batch from a browser agent (public key + an allowed Origin)',
      security: [{ browserKey: [] }],
      requestParams: {
        header: z.object({
          Origin: z.string().register(z.globalRegistry, { description: "one of the application's allowed origins" }),
        }),
      },
      requestBody: {
        required: true,
        content: { 'text/plain': { schema: BrowserBatch }, 'application/json': { schema: BrowserBatch } },
      },
      responses: {
        200: {
          description: `stored; at most ${LIMITS.browserMaxEventsPerBatch} events, ${LIMITS.browserMaxBodyBytes} bytes after decompression`,
          content: { 'application/json': { schema: Accepted } },
        },
        ...errors([400, 401, 403, 413, 503]),
      },
    },
  },
};

const publicPaths: ZodOpenApiPathsObject = {
  '/health': {
    get: {
      operationId: 'getHealth',
      summary: 'liveness',
      security: [],
      responses: {
        200: { description: 'ok', content: { 'application/json': { schema: z.looseObject({ ok: z.boolean() }) } } },
      },
    },
  },
  '/console': {
    get: {
      operationId: 'getConsole',
      summary: 'the customer console (an HTML page; it signs in with a token)',
      security: [],
      responses: { 200: { description: 'the page', content: { 'text/html': { schema: z.string() } } } },
    },
  },
  '/agent/v1.js': {
    get: {
      operationId: 'getBrowserAgent',
      summary: 'the browser agent script (docs/browser-agent.md), cached for a week, its integrity hash as ETag',
      security: [],
      responses: { 200: { description: 'the script', content: { 'text/javascript': { schema: z.string() } } } },
    },
  },
};

/**
 * The OpenAPI description of the HTTP API, generated (zod-openapi) from the route table and the schemas the handlers
 * validate with.
 */
export function openApiDocument() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Lethe API',
      version: '1',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Lethe' },
      description:
        'Agent ingest and management API. TLS only, served from eu-west-1. Agent protocol: docs/agent-protocol.md; who may call what: docs/access.md.',
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.eu-west-1.amazonaws.com/live',
        description: 'AWS (the API id is an output of cdk deploy)',
        variables: { apiId: { default: 'abcdef1234', description: 'the REST API id' } },
      },
      { url: 'http://127.0.0.1:3000', description: 'local runtime (npm start)' },
    ],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'a management token: role and account scope (docs/access.md)',
        },
        agentKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Lethe-Key-Id',
          description: 'the agent key id; with X-Lethe-Key-Proof and the request signature made with its secret',
        },
        browserKey: {
          type: 'apiKey',
          in: 'query',
          name: 'key',
          description: "the application's public browser key (pk_…); the Origin must be allowed",
        },
      },
    },
    paths: { ...publicPaths, ...agentPaths, ...managementPaths() },
  });
}

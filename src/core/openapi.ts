import * as z from './zod.ts';
import { BatchSchema } from './events.ts';
import { CreateAccountSchema, ErasureRequestSchema, UpdateAccountSchema } from './management.ts';
import { LIMITS } from './limits.ts';
import { BreachReportSchema } from './breach.ts';

const schema = (s: z.ZodMiniType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input' }) as Record<string, unknown>;
  return rest;
};

const error = { $ref: '#/components/schemas/Error' };
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: DESCRIPTIONS[c], content: { 'application/json': { schema: error } } }]));
const DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request: `field` names the field path, `message` the reason',
  401: 'unknown or retired key, bad signature, stale timestamp, missing/invalid token, terminated account',
  403: 'not allowed (role, account scope or origin); the same answer whether or not the resource exists',
  404: 'not found',
  409: 'replayed signed request, or a terminated account',
  412: 'If-Match is not the current ETag: the settings changed since they were read',
  413: 'body (or decompressed body) too large',
  503: 'could not store: keep the batch and retry after `Retry-After` seconds',
};

/** The OpenAPI description of the HTTP API, generated from the very schemas the handlers validate with. */
export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: { title: 'Lethe API', version: '1', description: 'Agent ingest and management API. All traffic TLS-only, served from eu-west-1. Agent protocol: docs/agent-protocol.md.' },
    servers: [{ url: 'https://{apiId}.execute-api.eu-west-1.amazonaws.com/live' }, { url: 'http://127.0.0.1:3000', description: 'local runtime (npm start)' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Batch: schema(BatchSchema),
        CreateAccount: schema(CreateAccountSchema),
        UpdateAccount: schema(UpdateAccountSchema),
        ErasureRequest: schema(ErasureRequestSchema),
        BreachReport: schema(BreachReportSchema),
        Error: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } },
        Accepted: { type: 'object', required: ['accepted', 'expired', 'findings'], properties: { accepted: { type: 'integer' }, expired: { type: 'integer' }, findings: { type: 'integer' } } },
      },
    },
    paths: {
      '/health': { get: { summary: 'liveness', responses: { 200: { description: 'ok' } } } },
      '/console': { get: { summary: 'the customer console (HTML page; signs in with a token)', responses: { 200: { description: 'text/html' } } } },
      '/v1/events': {
        post: {
          summary: 'Signed batch from a server-side agent',
          parameters: [
            { in: 'header', name: 'X-Lethe-Key-Id', required: true, schema: { type: 'string' } },
            { in: 'header', name: 'X-Lethe-Key-Proof', required: true, schema: { type: 'string', pattern: '^v2=\\d+\\.[0-9a-f]{64}$' }, description: 'v2=<unix minute>.hex(HMAC-SHA256(secret, "<unix minute>.<key id>")), checked by the gateway\'s authorizer' },
            { in: 'header', name: 'X-Lethe-Timestamp', required: true, schema: { type: 'string', pattern: '^\\d+$' }, description: `unix seconds; at most ${LIMITS.signatureWindowSeconds} s from server time` },
            { in: 'header', name: 'X-Lethe-Signature', required: true, schema: { type: 'string', pattern: '^v1=[0-9a-f]{64}$' }, description: 'v1=hex(HMAC-SHA256(secret, "<timestamp>.<raw body>"))' },
            { in: 'header', name: 'Content-Encoding', required: false, schema: { enum: ['gzip', 'identity'] } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Batch' } } } },
          responses: { 200: { description: `every event is stored (signed response: X-Lethe-Timestamp, X-Lethe-Signature over "<timestamp>.<request signature>.<body>"); at most ${LIMITS.maxEventsPerBatch} events, ${LIMITS.maxBodyBytes} bytes`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } } }, ...errors(400, 401, 409, 413, 503) },
        },
      },
      '/v1/browser-events': {
        post: {
          summary: 'Batch from a browser agent (public key + allowed Origin)',
          parameters: [{ in: 'query', name: 'key', required: true, schema: { type: 'string', pattern: '^pk_' } }, { in: 'header', name: 'Origin', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'text/plain': { schema: { $ref: '#/components/schemas/Batch' } }, 'application/json': { schema: { $ref: '#/components/schemas/Batch' } } } },
          responses: { 200: { description: `stored; at most ${LIMITS.browserMaxEventsPerBatch} events, ${LIMITS.browserMaxBodyBytes} bytes`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } } }, ...errors(400, 401, 403, 413, 503) },
        },
      },
      '/v1/accounts': { post: { security: [{ bearer: [] }], summary: 'create an account (administrators)', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateAccount' } } } }, responses: { 201: { description: 'accountId, applicationId, keyId, secret (shown once), browserKey' }, ...errors(400, 401, 403) } } },
      '/v1/accounts/{accountId}': {
        get: { security: [{ bearer: [] }], summary: 'account settings, applications, key ids', responses: { 200: { description: 'the account' }, ...errors(401, 403) } },
        patch: {
          security: [{ bearer: [] }],
          summary: 'change settings (JSON Merge Patch, RFC 7396: what the body does not name is kept, null removes a scrub rule)',
          parameters: [{ name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'the ETag read with the settings; a concurrent change since then gets 412' }],
          requestBody: { required: true, content: { 'application/merge-patch+json': { schema: { $ref: '#/components/schemas/UpdateAccount' } }, 'application/json': { schema: { $ref: '#/components/schemas/UpdateAccount' } } } },
          responses: { 200: { description: 'the account, with its new ETag' }, ...errors(400, 401, 403, 409, 412) },
        },
      },
      '/v1/accounts/{accountId}/applications/{applicationId}/keys': { post: { security: [{ bearer: [] }], summary: 'rotate the agent key (old keys keep working 7 days)', responses: { 201: { description: 'keyId, secret (shown once), previousKeysRetireAt' }, ...errors(401, 403) } } },
      '/v1/accounts/{accountId}/erasures': { post: { security: [{ bearer: [] }], summary: 'start the erasure workflow for one user', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErasureRequest' } } } }, responses: { 202: { description: 'requestId, status, userKey (hash)' }, ...errors(400, 401, 403) } } },
      '/v1/accounts/{accountId}/terminate': { post: { security: [{ bearer: [] }], summary: 'end the contract: ingest stops at once; all data deleted after graceDays (0..90, default 30) with a deletion receipt', responses: { 200: { description: 'status, keysRevoked, deleteAfter' }, ...errors(400, 401, 403) } } },
      '/v1/accounts/{accountId}/users/search': {
        post: {
          security: [{ bearer: [] }],
          summary: 'search users by identifier (exact via keyed hash; prefix for plain identifiers); the identifier is in the body, never in the URL',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['query'], additionalProperties: false, properties: { query: { type: 'string', minLength: 1, maxLength: 256 } } } } } },
          responses: { 200: { description: 'users' }, ...errors(400, 401, 403) },
        },
      },
      '/v1/accounts/{accountId}/users/restrict': { post: { security: [{ bearer: [] }], summary: 'mark a user do-not-track ({"userId"}) or lift it ({"userId","lift":true})', responses: { 200: { description: 'userKey, doNotTrack' }, ...errors(400, 401, 403) } } },
      '/v1/accounts/{accountId}/users/{userKey}/interactions': { get: { security: [{ bearer: [] }], summary: "one user's interactions, newest first, paged (cursor, limit ≤ 500)", responses: { 200: { description: 'items, cursor' }, ...errors(400, 401, 403) } } },
      '/v1/accounts/{accountId}/users/{userKey}/export': { get: { security: [{ bearer: [] }], summary: "CSV (RFC 4180, UTF-8) of one user's failed and slow interactions", responses: { 200: { description: 'text/csv' }, ...errors(400, 401, 403) } } },
      '/v1/accounts/{accountId}/applications/{applicationId}/interactions': { get: { security: [{ bearer: [] }], summary: 'interactions of an application, newest first, identities removed', responses: { 200: { description: 'items, cursor' }, ...errors(400, 401, 403) } } },
      '/v1/accounts/{accountId}/notices': { get: { security: [{ bearer: [] }], summary: 'breach notices addressed to the account', responses: { 200: { description: 'notices' }, ...errors(401, 403) } } },
      '/v1/accounts/{accountId}/audit': { get: { security: [{ bearer: [] }], summary: 'the audit trail of the account, newest first (who, role, operation, hashed subject, time, outcome)', responses: { 200: { description: 'records' }, ...errors(401, 403) } } },
      '/v1/accounts/{accountId}/findings': { get: { security: [{ bearer: [] }], summary: 'accidental personal data found by the scrubbing engine: counts, first/last seen, example shapes', responses: { 200: { description: 'findings' }, ...errors(401, 403) } } },
      '/v1/backups': {
        get: { security: [{ bearer: [] }], summary: 'list exports in the backup bucket (administrators)', responses: { 200: { description: 'exports' }, ...errors(401, 403) } },
        post: { security: [{ bearer: [] }], summary: 'export the personal-data tables now (also runs daily)', responses: { 202: { description: 'exports' }, ...errors(401, 403) } },
      },
      '/v1/backups/restores': { post: { security: [{ bearer: [] }], summary: 'restore an export: erasures of the ledger re-applied first, expired items skipped', responses: { 200: { description: 'restore report' }, ...errors(400, 401, 403, 404) } } },
      '/v1/breaches': { post: { security: [{ bearer: [] }], summary: 'record a personal-data breach (Art. 33(3) content) and notify every affected account (administrators)', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/BreachReport' } } } }, responses: { 201: { description: 'breachId, deadline, recipients, withoutContact, sent, remaining' }, ...errors(400, 401, 403) } } },
      '/v1/breaches/{breachId}': { get: { security: [{ bearer: [] }], summary: 'per account and recipient: sent or not, when, time left', responses: { 200: { description: 'status' }, ...errors(401, 403, 404) } } },
      '/v1/breaches/{breachId}/notify': { post: { security: [{ bearer: [] }], summary: 'continue sending pending notifications now', responses: { 200: { description: 'sent, failed, remaining' }, ...errors(401, 403) } } },
      '/v1/erasures/{requestId}': { get: { security: [{ bearer: [] }], summary: 'status and receipt of an erasure', responses: { 200: { description: 'status, receipt' }, ...errors(401, 403, 404) } } },
    },
  };
}

import * as z from './zod.ts';
import { etagOf } from './accounts.ts';
import type { Operation, Principal } from './access.ts';
import { type BackupPorts, restoreExport } from './backup.ts';
import { breachStatus, type BreachPorts, BreachReportSchema, notifyBreach, reportBreach } from './breach.ts';
import { badRequest, notFound } from './errors.ts';
import {
  type AuditEntry,
  audited,
  createAccount,
  CreateAccountSchema,
  ErasureRequestSchema,
  erasureStatus,
  type ErasureAdminPorts,
  guard,
  type ManagementPorts,
  requestErasure,
  rotateKey,
  terminateAccount,
  TerminateSchema,
  updateAccount,
  UpdateAccountSchema,
  viewAccount,
} from './management.ts';
import {
  exportUserCsv,
  listAnonymousInteractions,
  listUserInteractions,
  restrictUser,
  searchUsers,
  type UsersPorts,
} from './users.ts';

/**
 * The management API, one route per entry: method, path, operation (the access matrix), request and response
 * schemas, and the use case it runs. The stack's API resources, each function's dispatch and the OpenAPI
 * document are all built from this list: a route is added here and nowhere else.
 */
export interface RouteRequest {
  path: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  /** header names in lower case */
  headers: Record<string, string | undefined>;
  /** the JSON body (undefined when there is none); malformed JSON is a 400 */
  body(): unknown;
  /** how long the invocation may still run */
  remainingMs?: number;
}

export interface RouteAnswer {
  body: unknown;
  headers?: Record<string, string>;
}

/** The functions that serve management routes. */
export type RouteFunction = 'management' | 'backup' | 'breach';

export interface Route<P> {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  fn: RouteFunction;
  operation: Operation;
  summary: string;
  /** the success status */
  status: 200 | 201 | 202;
  /** the JSON body it takes */
  request?: z.ZodMiniType;
  /** the JSON body it answers (or `csv` for a text/csv download) */
  response: z.ZodMiniType | 'csv';
  /** the failure statuses it may answer, besides 401 and 403 which every route may */
  errors: number[];
  query?: Record<string, string>;
  /** request headers it reads (name → description) */
  headers?: Record<string, string>;
  run(p: P, who: Principal, req: RouteRequest): Promise<RouteAnswer>;
}

export type ManagementRoutePorts = ManagementPorts &
  ErasureAdminPorts &
  UsersPorts & {
    revokeKeys(accountId: string): Promise<number>;
    noticesFor(accountId: string): Promise<unknown[]>;
    listAudit(accountId: string): Promise<unknown[]>;
    listFindings(accountId: string): Promise<unknown[]>;
  };
export type BackupRoutePorts = BackupPorts & { audit(entry: AuditEntry): Promise<void> };
export type BreachRoutePorts = BreachPorts & { audit(entry: AuditEntry): Promise<void>; newId(): string };

// ---- response shapes (documentation of what each route answers) ----
const ts = z.int();
const str = z.string();
const loose = (shape: Record<string, z.ZodMiniType>) => z.looseObject(shape);
const Application = z.object({ applicationId: str, name: str, browserKey: str, allowedOrigins: z.array(str) });
const AccountView = loose({
  accountId: str,
  name: str,
  status: z.enum(['active', 'terminated']),
  retentionDays: z.int(),
  pseudonymise: z.boolean(),
  creatorEmail: str,
  adminEmail: str,
  version: z.int(),
  applications: z.array(Application),
  keys: z.array(loose({ keyId: str, applicationId: str, createdAt: ts, retiresAt: z.optional(ts) })),
});
const Interaction = loose({
  eventId: str,
  applicationId: str,
  type: str,
  ts,
  outcome: str,
  duration: z.optional(z.number()),
  url: z.optional(str),
  label: z.optional(str),
  user: z.optional(str),
});
const InteractionPage = z.object({ items: z.array(Interaction), cursor: z.optional(str) });
const ErasureRecord = loose({
  requestId: str,
  accountId: str,
  userKey: str,
  status: z.enum(['requested', 'running', 'completed', 'failed']),
  receipt: z.optional(loose({ completedAt: ts, verified: z.boolean() })),
});
const ExportSummary = z.object({ exportId: str, tableName: str, exportTime: ts, itemCount: z.int() });
const SearchSchema = z.strictObject({ query: z.boundedString(1, 256) });
const RestrictSchema = z.union([
  z.strictObject({ userId: z.boundedString(1, 256), lift: z.optional(z.boolean()) }),
  z.strictObject({ userKey: str, lift: z.optional(z.boolean()) }),
]);
const RestoreSchema = z.strictObject({ exportId: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,100}$/)) });
const page = { cursor: 'from the previous page', limit: '1..500 (default 50)' };
const limitOf = (q: RouteRequest['query']) => (q.limit ? Number(q.limit) : undefined);
const need = (v: string | undefined, name: string) => {
  if (!v) throw badRequest(name, 'is required');
  return v;
};

type M = ManagementRoutePorts;
const management: Array<Route<M>> = [
  {
    method: 'POST',
    path: '/v1/accounts',
    fn: 'management',
    operation: 'accounts:create',
    status: 201,
    summary: 'create an account with its first application and agent key (administrators)',
    request: CreateAccountSchema,
    response: z.object({ accountId: str, applicationId: str, keyId: str, secret: str, browserKey: str }),
    errors: [400],
    run: async (p, who, r) => ({ body: await createAccount(p, who, r.body()) }),
  },
  {
    method: 'GET',
    path: '/v1/accounts/{accountId}',
    fn: 'management',
    operation: 'accounts:read',
    status: 200,
    summary: 'the account: settings, applications and key ids (never a secret), with its ETag',
    response: AccountView,
    errors: [],
    run: async (p, who, r) => {
      const view = await audited(p, who, 'accounts:read', r.path.accountId, () =>
        viewAccount(p, need(r.path.accountId, 'accountId')),
      );
      return { body: view, headers: { ETag: etagOf(view) } };
    },
  },
  {
    method: 'PATCH',
    path: '/v1/accounts/{accountId}',
    fn: 'management',
    operation: 'accounts:update',
    status: 200,
    summary: 'change settings (JSON Merge Patch); If-Match guards concurrent editors',
    request: UpdateAccountSchema,
    response: AccountView,
    errors: [400, 409, 412],
    headers: { 'If-Match': 'the ETag read with the settings; a concurrent change is refused with 412' },
    run: async (p, who, r) => {
      const view = await updateAccount(p, who, need(r.path.accountId, 'accountId'), r.body(), r.headers['if-match']);
      return { body: view, headers: { ETag: etagOf(view) } };
    },
  },
  {
    method: 'POST',
    path: '/v1/accounts/{accountId}/terminate',
    fn: 'management',
    operation: 'accounts:terminate',
    status: 200,
    summary: 'end the contract: ingest stops at once, all data is deleted after the grace period',
    request: TerminateSchema,
    response: z.object({ accountId: str, status: z.literal('terminated'), keysRevoked: z.int(), deleteAfter: str }),
    errors: [400],
    run: async (p, who, r) => ({
      body: await terminateAccount(p, who, need(r.path.accountId, 'accountId'), r.body() ?? {}),
    }),
  },
  {
    method: 'POST',
    path: '/v1/accounts/{accountId}/applications/{applicationId}/keys',
    fn: 'management',
    operation: 'keys:rotate',
    status: 201,
    summary: 'a new agent key; the previous ones keep working for 7 days',
    response: z.object({ keyId: str, secret: str, previousKeysRetireAt: ts }),
    errors: [409],
    run: async (p, who, r) => ({
      body: await rotateKey(p, who, need(r.path.accountId, 'accountId'), need(r.path.applicationId, 'applicationId')),
    }),
  },
  {
    method: 'GET',
    path: '/v1/accounts/{accountId}/applications/{applicationId}/interactions',
    fn: 'management',
    operation: 'interactions:read-anonymous',
    status: 200,
    summary: 'interactions of an application, newest first, identities removed',
    response: InteractionPage,
    errors: [400],
    query: page,
    run: async (p, who, r) => ({
      body: await listAnonymousInteractions(
        p,
        who,
        need(r.path.accountId, 'accountId'),
        need(r.path.applicationId, 'applicationId'),
        r.query.cursor,
        limitOf(r.query),
      ),
    }),
  },
  {
    method: 'POST',
    path: '/v1/accounts/{accountId}/users/search',
    fn: 'management',
    operation: 'users:search',
    status: 200,
    summary:
      'find users by identifier (exact, or prefix unless pseudonymised); the identifier travels in the body, never in a URL',
    request: SearchSchema,
    response: z.object({
      users: z.array(
        z.object({
          userKey: str,
          user: z.optional(str),
          firstSeen: z.optional(ts),
          lastSeen: z.optional(ts),
          doNotTrack: z.boolean(),
        }),
      ),
    }),
    errors: [400],
    run: async (p, who, r) => ({
      body: await searchUsers(
        p,
        who,
        need(r.path.accountId, 'accountId'),
        (r.body() as { query?: unknown } | undefined)?.query,
      ),
    }),
  },
  {
    method: 'POST',
    path: '/v1/accounts/{accountId}/users/restrict',
    fn: 'management',
    operation: 'users:restrict',
    status: 200,
    summary: 'do-not-track: later events of the user are stored without identity (`lift: true` ends it)',
    request: RestrictSchema,
    response: z.object({ userKey: str, doNotTrack: z.boolean(), restrictedUntil: z.optional(str) }),
    errors: [400],
    run: async (p, who, r) => ({
      body: await restrictUser(
        p,
        who,
        need(r.path.accountId, 'accountId'),
        (r.body() ?? {}) as Parameters<typeof restrictUser>[3],
      ),
    }),
  },
  {
    method: 'GET',
    path: '/v1/accounts/{accountId}/users/{userKey}/interactions',
    fn: 'management',
    operation: 'users:search',
    status: 200,
    summary: "a user's interactions, newest first (`userKey` is the hash part of a search result's userKey)",
    response: InteractionPage,
    errors: [400],
    query: page,
    run: async (p, who, r) => ({
      body: await listUserInteractions(
        p,
        who,
        need(r.path.accountId, 'accountId'),
        need(r.path.userKey, 'userKey'),
        r.query.cursor,
        limitOf(r.query),
      ),
    }),
  },
  {
    method: 'GET',
    path: '/v1/accounts/{accountId}/users/{userKey}/export',
    fn: 'management',
    operation: 'users:export',
    status: 200,
    summary: "portability: the user's failed and slow interactions as CSV",
    response: 'csv',
    errors: [400],
    run: async (p, who, r) => {
      let csv = '';
      for await (const chunk of await exportUserCsv(
        p,
        who,
        need(r.path.accountId, 'accountId'),
        need(r.path.userKey, 'userKey'),
      ))
        csv += chunk;
      return { body: csv, headers: { 'content-disposition': 'attachment; filename="interactions.csv"' } };
    },
  },
  {
    method: 'POST',
    path: '/v1/accounts/{accountId}/erasures',
    fn: 'management',
    operation: 'erasure:request',
    status: 202,
    summary: 'erase a user (right to be forgotten): starts the erasure workflow; only the keyed hash leaves this call',
    request: ErasureRequestSchema,
    response: z.object({ requestId: str, status: z.literal('requested'), userKey: str }),
    errors: [400],
    run: async (p, who, r) => ({ body: await requestErasure(p, who, need(r.path.accountId, 'accountId'), r.body()) }),
  },
  {
    method: 'GET',
    path: '/v1/erasures/{requestId}',
    fn: 'management',
    operation: 'erasure:read',
    status: 200,
    summary: 'an erasure request: status, progress and receipt',
    response: ErasureRecord,
    errors: [404],
    run: async (p, who, r) => ({ body: await erasureStatus(p, who, need(r.path.requestId, 'requestId')) }),
  },
  {
    method: 'GET',
    path: '/v1/accounts/{accountId}/findings',
    fn: 'management',
    operation: 'findings:read',
    status: 200,
    summary: 'accidental personal data found by the scrubbers (kind, detector, count, a redacted shape)',
    response: z.object({
      findings: z.array(loose({ kind: str, detector: str, count: z.int(), example: str, firstSeen: ts, lastSeen: ts })),
    }),
    errors: [],
    run: async (p, who, r) => ({
      body: {
        findings: await audited(p, who, 'findings:read', r.path.accountId, () =>
          p.listFindings(need(r.path.accountId, 'accountId')),
        ),
      },
    }),
  },
  {
    method: 'GET',
    path: '/v1/accounts/{accountId}/notices',
    fn: 'management',
    operation: 'notices:read',
    status: 200,
    summary: 'breach notices addressed to the account',
    response: z.object({
      notices: z.array(loose({ breachId: str, discoveredAt: str, description: str, sentAt: z.optional(str) })),
    }),
    errors: [],
    run: async (p, who, r) => ({
      body: {
        notices: await audited(p, who, 'notices:read', r.path.accountId, () =>
          p.noticesFor(need(r.path.accountId, 'accountId')),
        ),
      },
    }),
  },
  {
    method: 'GET',
    path: '/v1/accounts/{accountId}/audit',
    fn: 'management',
    operation: 'audit:read',
    status: 200,
    summary: "the account's audit trail, newest first",
    response: z.object({
      records: z.array(
        loose({
          actor: str,
          role: str,
          operation: str,
          outcome: z.enum(['ok', 'denied', 'failed']),
          at: ts,
          subject: z.optional(str),
        }),
      ),
    }),
    errors: [],
    run: async (p, who, r) => ({
      body: {
        records: await audited(p, who, 'audit:read', r.path.accountId, () =>
          p.listAudit(need(r.path.accountId, 'accountId')),
        ),
      },
    }),
  },
];

const backup: Array<Route<BackupRoutePorts>> = [
  {
    method: 'GET',
    path: '/v1/backups',
    fn: 'backup',
    operation: 'backup:manage',
    status: 200,
    summary: 'list the exports (administrators)',
    response: z.object({ exports: z.array(ExportSummary) }),
    errors: [],
    run: async (p, who) => ({
      body: { exports: await audited(p, who, 'backup:manage', undefined, () => p.listExports()) },
    }),
  },
  {
    method: 'POST',
    path: '/v1/backups',
    fn: 'backup',
    operation: 'backup:manage',
    status: 202,
    summary: 'export every exported table now (administrators)',
    response: z.object({ exports: z.array(ExportSummary) }),
    errors: [],
    run: async (p, who) => ({
      body: { exports: await audited(p, who, 'backup:manage', undefined, () => p.exportTables()) },
    }),
  },
  {
    method: 'POST',
    path: '/v1/backups/restores',
    fn: 'backup',
    operation: 'backup:manage',
    status: 200,
    summary: 'restore an export: erasures of the ledger re-applied first, expired items skipped',
    request: RestoreSchema,
    response: z.object({
      exportId: str,
      tableName: str,
      read: z.int(),
      restored: z.int(),
      skippedExpired: z.int(),
      erasuresReapplied: z.int(),
      identitiesStripped: z.int(),
      userRowsDropped: z.int(),
    }),
    errors: [400, 404],
    run: async (p, who, r) => {
      await guard(p, who, 'backup:manage', undefined);
      const body = r.body() as { exportId?: unknown } | undefined;
      if (typeof body?.exportId !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(body.exportId))
        throw badRequest('exportId', 'give the id of an export (lethe backup list)');
      const exportId = body.exportId;
      return { body: await audited(p, who, 'backup:manage', undefined, () => restoreExport(p, exportId)) };
    },
  },
];

/** Sending continues in the same invocation for this long; the 15-minute watch and `notify` take the rest. */
const budget = (r: RouteRequest) => Math.max(1000, Math.min(20_000, (r.remainingMs ?? 25_000) - 5_000));
const Progress = z.object({ sent: z.int(), failed: z.int(), remaining: z.int() });

const breach: Array<Route<BreachRoutePorts>> = [
  {
    method: 'POST',
    path: '/v1/breaches',
    fn: 'breach',
    operation: 'breach:report',
    status: 201,
    summary: 'record a personal-data breach (Art. 33(3) content) and notify every affected account (administrators)',
    request: BreachReportSchema,
    response: z.looseObject({
      breachId: str,
      deadline: str,
      recipients: z.int(),
      withoutContact: z.int(),
      sent: z.int(),
      remaining: z.int(),
    }),
    errors: [400],
    run: async (p, who, r) => ({
      body: await audited(p, who, 'breach:report', undefined, async () => {
        const reported = await reportBreach(p, who.sub, r.body(), p.newId);
        return { ...reported, ...(await notifyBreach(p, reported.breachId, { budgetMs: budget(r) })) };
      }),
    }),
  },
  {
    method: 'GET',
    path: '/v1/breaches/{breachId}',
    fn: 'breach',
    operation: 'breach:read',
    status: 200,
    summary: 'a breach and the state of every notification',
    response: z.looseObject({ breachId: str, deadline: str }),
    errors: [404],
    run: async (p, who, r) => {
      const status = await audited(p, who, 'breach:read', undefined, () =>
        breachStatus(p, need(r.path.breachId, 'breachId')),
      );
      if (!status) throw notFound('breach');
      return { body: status };
    },
  },
  {
    method: 'POST',
    path: '/v1/breaches/{breachId}/notify',
    fn: 'breach',
    operation: 'breach:report',
    status: 200,
    summary: 'continue sending pending notifications now',
    response: Progress,
    errors: [],
    run: async (p, who, r) => ({
      body: await audited(p, who, 'breach:report', undefined, () =>
        notifyBreach(p, need(r.path.breachId, 'breachId'), { budgetMs: budget(r) }),
      ),
    }),
  },
];

export const ROUTES = { management, backup, breach } as const;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = Route<any>;
export const ALL_ROUTES: readonly AnyRoute[] = [...management, ...backup, ...breach];

import * as z from '../zod.ts';
import { etagOf } from '../accounts.ts';
import {
  audited,
  createAccount,
  CreateAccountSchema,
  ErasureRequestSchema,
  erasureStatus,
  cancelErasure,
  ErasureBatchSchema,
  MAX_ERASURE_BATCH,
  requestErasure,
  requestErasureBatch,
  rotateKey,
  terminateAccount,
  TerminateSchema,
  updateAccount,
  UpdateAccountSchema,
  viewAccount,
} from '../management.ts';
import { conflict, notFound } from '../errors.ts';
import { exportUserCsv, listAnonymousInteractions, listUserInteractions, restrictUser, searchUsers } from '../users.ts';
import { limitOf, type ManagementRoutePorts, need, page, type Route } from './route.ts';
import { rescrub } from './rescrub.ts';
import { InviteSchema, invitePerson, inviteStaff, StaffInviteSchema } from '../people.ts';
import { doc } from './shapes.ts';

/** The management function's routes (accounts, keys, users, erasure, findings, notices, audit). */
type M = ManagementRoutePorts;
export const management: Array<Route<M>> = [
  {
    method: 'POST',
    path: '/v1/accounts/{accountId}/people',
    fn: 'management',
    operation: 'people:invite',
    status: 201,
    summary:
      "invite a teammate to the account's console (Cognito mails a temporary password); the account's administrators, support, administrators",
    request: () => InviteSchema,
    response: doc(({ str }) =>
      z.object({ accountId: str, outcome: z.enum(['invited', 'granted']), admin: z.boolean() }),
    ),
    errors: [400, 404],
    run: async (p, who, r) => ({ body: await invitePerson(p, who, need(r.path.accountId, 'accountId'), r.body()) }),
  },
  {
    method: 'POST',
    path: '/v1/staff',
    fn: 'management',
    operation: 'staff:invite',
    status: 201,
    summary: 'invite a staff member with one role (support, engineer, admin); TOTP MFA is set up at the first sign-in',
    request: () => StaffInviteSchema,
    response: doc(() =>
      z.object({ role: z.enum(['support', 'engineer', 'admin']), outcome: z.enum(['invited', 'granted']) }),
    ),
    errors: [400],
    run: async (p, who, r) => ({ body: await inviteStaff(p, who, r.body()) }),
  },
  {
    method: 'POST',
    path: '/v1/accounts',
    fn: 'management',
    operation: 'accounts:create',
    status: 201,
    summary: 'create an account with its first application and agent key (administrators)',
    request: () => CreateAccountSchema,
    response: doc(({ str }) =>
      z.object({
        accountId: str,
        applicationId: str,
        keyId: str,
        secret: str,
        browserKey: str,
        invitation: z.enum(['invited', 'granted', 'failed']),
      }),
    ),
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
    response: doc(({ AccountView }) => AccountView),
    errors: [404],
    run: async (p, who, r) => {
      const view = await audited(p, who, 'accounts:read', r.path.accountId, () =>
        viewAccount(p, who, need(r.path.accountId, 'accountId')),
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
    request: () => UpdateAccountSchema,
    response: doc(({ AccountView }) => AccountView),
    errors: [400, 404, 409, 412],
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
    request: () => TerminateSchema,
    response: doc(({ str }) =>
      z.object({ accountId: str, status: z.literal('terminated'), keysRevoked: z.int(), deleteAfter: str }),
    ),
    errors: [400, 404],
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
    response: doc(({ ts, str }) => z.object({ keyId: str, secret: str, previousKeysRetireAt: ts })),
    errors: [404, 409],
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
    response: doc(({ InteractionPage }) => InteractionPage),
    errors: [400, 404],
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
    request: doc(({ SearchSchema }) => SearchSchema),
    response: doc(({ ts, str }) =>
      z.object({
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
    ),
    errors: [400, 404],
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
    request: doc(({ RestrictSchema }) => RestrictSchema),
    response: doc(({ str }) => z.object({ userKey: str, doNotTrack: z.boolean(), restrictedUntil: z.optional(str) })),
    errors: [400, 404],
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
    response: doc(({ InteractionPage }) => InteractionPage),
    errors: [400, 404],
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
    summary:
      "access and portability: the user's failed and slow interactions (all=true: every interaction) as CSV, behind a download link valid 15 minutes",
    query: { all: 'true: every interaction of the user (an Art. 15 access request), not only the failed and slow' },
    response: doc(({ str, ts }) =>
      z.object({
        url: str,
        expiresAt: ts,
        rows: z.int(),
        bytes: z.int(),
        scope: z.enum(['failed-and-slow', 'all']),
      }),
    ),
    errors: [400, 404],
    run: async (p, who, r) => ({
      body: await exportUserCsv(
        p,
        who,
        need(r.path.accountId, 'accountId'),
        need(r.path.userKey, 'userKey'),
        r.query.all === 'true',
      ),
    }),
  },
  {
    method: 'POST',
    path: '/v1/accounts/{accountId}/erasures',
    fn: 'management',
    operation: 'erasure:request',
    status: 202,
    summary: 'erase a user (right to be forgotten): starts the erasure workflow; only the keyed hash leaves this call',
    request: () => ErasureRequestSchema,
    response: doc(({ str }) => z.object({ requestId: str, status: z.literal('requested'), userKey: str })),
    errors: [400, 404],
    run: async (p, who, r) => ({ body: await requestErasure(p, who, need(r.path.accountId, 'accountId'), r.body()) }),
  },
  {
    method: 'POST',
    path: '/v1/accounts/{accountId}/erasures/batch',
    fn: 'management',
    operation: 'erasure:request',
    status: 202,
    summary: `erase up to ${MAX_ERASURE_BATCH} users in one request: one erasure request (workflow, progress, receipt) per user`,
    request: () => ErasureBatchSchema,
    response: doc(({ str }) =>
      z.object({ requests: z.array(z.object({ requestId: str, userKey: str, status: z.literal('requested') })) }),
    ),
    errors: [400, 404],
    run: async (p, who, r) => ({
      body: await requestErasureBatch(p, who, need(r.path.accountId, 'accountId'), r.body()),
    }),
  },
  {
    method: 'POST',
    path: '/v1/erasures/{requestId}/cancel',
    fn: 'management',
    operation: 'erasure:request',
    status: 200,
    summary:
      "cancel a request that has not ended: its workflow is stopped and the user's tombstone lifted; what was stripped stays stripped",
    response: doc(({ str }) => z.object({ requestId: str, status: z.literal('cancelled') })),
    errors: [404, 409],
    run: async (p, who, r) => ({ body: await cancelErasure(p, who, need(r.path.requestId, 'requestId')) }),
  },
  {
    method: 'GET',
    path: '/v1/erasures/{requestId}',
    fn: 'management',
    operation: 'erasure:read',
    status: 200,
    summary: 'an erasure request: status, progress and receipt',
    response: doc(({ ErasureRecord }) => ErasureRecord),
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
    response: doc(({ ts, str, loose }) =>
      z.object({
        findings: z.array(
          loose({ kind: str, detector: str, count: z.int(), example: str, firstSeen: ts, lastSeen: ts }),
        ),
      }),
    ),
    errors: [404],
    run: async (p, who, r) => ({
      body: {
        findings: await audited(p, who, 'findings:read', r.path.accountId, () =>
          p.listFindings(need(r.path.accountId, 'accountId')),
        ),
      },
    }),
  },
  {
    method: 'POST',
    path: '/v1/accounts/{accountId}/resume',
    fn: 'management',
    operation: 'accounts:resume',
    status: 200,
    summary:
      'lift a suspension of ingest (special categories kept arriving after the final notice); administrators only',
    response: doc(({ str }) => z.object({ accountId: str, resumed: z.boolean() })),
    errors: [404, 409],
    run: async (p, who, r) => {
      const accountId = need(r.path.accountId, 'accountId');
      return {
        body: await audited(p, who, 'accounts:resume', accountId, async () => {
          if (!(await p.getAccount(accountId))) throw notFound(`account ${accountId}`);
          if (!(await p.resumeIngest(accountId))) throw conflict('ingest is not suspended for this account');
          return { accountId, resumed: true };
        }),
      };
    },
  },
  {
    method: 'GET',
    path: '/v1/accounts/{accountId}/notices',
    fn: 'management',
    operation: 'notices:read',
    status: 200,
    summary:
      'notices addressed to the account: breach notifications, and findings notices (a new kind of personal data found; the daily digest)',
    response: doc(({ str, loose }) =>
      z.object({
        notices: z.array(
          loose({
            type: z.enum(['breach', 'finding', 'digest']),
            sentAt: z.optional(str),
            breachId: z.optional(str),
            description: z.optional(str),
            subject: z.optional(str),
          }),
        ),
      }),
    ),
    errors: [404],
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
    response: doc(({ ts, str, loose }) =>
      z.object({
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
    ),
    errors: [404],
    run: async (p, who, r) => ({
      body: {
        records: await audited(p, who, 'audit:read', r.path.accountId, () =>
          p.listAudit(need(r.path.accountId, 'accountId')),
        ),
      },
    }),
  },
  // the re-scrub of stored data (issue 18)
  ...rescrub,
];

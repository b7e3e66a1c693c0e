import * as z from './zod.ts';
import { type Account, type Application, etagOf } from './accounts.ts';
import { authorize, type Operation, type Principal } from './access.ts';
import type { Clock } from './clock.ts';
import type { Directory } from './people.ts';
import { badRequest, conflict, DomainError, forbidden, isCallersFault, notFound, stale } from './errors.ts';
import { parseOr400 } from './events.ts';
import {
  DEFAULT_RETENTION_DAYS,
  DEFAULT_TERMINATION_GRACE_DAYS,
  MAX_RETENTION_DAYS,
  retentionCeilingAfter,
  retentionFloorAfter,
} from './retention.ts';
import { deletionTime } from './retention-audit.ts';
import type { ErasureInput } from './erasure.ts';
import { userKeyOf } from './identity.ts';
import { mergePatch } from './merge-patch.ts';
import { compilePattern, loadPatternEngine, MAX_PATTERN_LENGTH, MAX_PATTERNS } from './scrub/patterns.ts';

const email = z.email().check(z.maxLength(254));
const origin = z
  .string()
  .check(z.regex(/^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$/, 'must be an origin like https://shop.example.com'));
const days = (min: number) => z.int().check(z.gte(min), z.lte(MAX_RETENTION_DAYS));

export const CreateAccountSchema = z.strictObject({
  name: z.boundedString(1, 200),
  creatorEmail: email,
  adminEmail: email,
  retentionDays: z._default(days(1), DEFAULT_RETENTION_DAYS),
  allowedOrigins: z._default(z.array(origin).check(z.maxLength(50)), []),
});

export const UpdateAccountSchema = z.strictObject({
  retentionDays: z.optional(days(1)),
  pseudonymise: z.optional(z.boolean()),
  adminEmail: z.optional(email),
  // who receives findings notices (1–5 addresses); they cannot be turned off
  noticeContacts: z.optional(z.array(email).check(z.minLength(1), z.maxLength(5))),
  // JSON Merge Patch (RFC 7396): a rule not named is kept, null removes one.
  scrubRules: z.optional(
    z.strictObject({
      extraPatterns: z.nullish(
        z
          .array(
            z.strictObject({
              name: z.string().check(z.regex(/^[a-z0-9-]{1,40}$/)),
              pattern: z.boundedString(1, MAX_PATTERN_LENGTH),
            }),
          )
          .check(z.maxLength(MAX_PATTERNS)),
      ),
      allowParams: z.nullish(z.array(z.boundedString(1, 100)).check(z.maxLength(100))),
      method: z.nullish(z.enum(['placeholder', 'remove', 'mask', 'hash'])),
    }),
  ),
});

/** The sign-in steps, audited by the session function (src/core/people.ts); not operations of the matrix. */
export type SessionOperation =
  'session:sign-in' | 'session:new-password' | 'session:mfa' | 'session:forgot-password' | 'session:reset-password';

export interface AuditEntry {
  actor: string;
  role: string;
  operation: Operation | SessionOperation;
  accountId?: string;
  /** keyed hash of the data subject, never the identifier */
  subject?: string;
  outcome: 'ok' | 'denied' | 'failed';
  at: number;
  /** e.g. a deletion receipt: counts and times, never personal data */
  detail?: Record<string, unknown>;
}

export interface ManagementPorts {
  clock: Clock;
  /** the people who sign in (Cognito; src/core/people.ts) */
  directory: Directory;
  createAccount(
    input: z.infer<typeof CreateAccountSchema> & { nowMs: number },
  ): Promise<{ accountId: string; applicationId: string; keyId: string; secret: string; browserKey: string }>;
  getAccount(accountId: string): Promise<Account | undefined>;
  listApplications(accountId: string): Promise<Application[]>;
  listKeys(
    accountId: string,
  ): Promise<Array<{ keyId: string; applicationId: string; createdAt: number; retiresAt?: number }>>;
  /** false when `expectedVersion` is given and the settings changed since (nothing written) */
  updateAccount(accountId: string, changes: Partial<Account>, expectedVersion?: number): Promise<boolean>;
  rotateKey(
    accountId: string,
    applicationId: string,
    nowMs: number,
    overlapSeconds: number,
  ): Promise<{ keyId: string; secret: string; previousKeysRetireAt: number }>;
  audit(entry: AuditEntry): Promise<void>;
}

/** Rotation overlap: both keys verify for a week, so agents can be redeployed. */
export const KEY_OVERLAP_SECONDS = 7 * 86_400;

/** Runs one authorised operation and writes its audit record, whatever the outcome. */
/**
 * Authorises before anything of the request is read: a denial is audited and answered 403, the same for
 * an account out of scope and one that does not exist.
 */
export async function guard(
  ports: Pick<ManagementPorts, 'audit' | 'clock'>,
  p: Principal,
  op: Operation,
  accountId: string | undefined,
  subject?: string,
): Promise<void> {
  try {
    authorize(p, op, accountId);
  } catch (e) {
    await ports.audit(auditEntry(ports, p, op, accountId, subject, 'denied'));
    throw e;
  }
}

const auditEntry = (
  ports: Pick<ManagementPorts, 'clock'>,
  p: Principal,
  op: Operation,
  accountId: string | undefined,
  subject: string | undefined,
  outcome: AuditEntry['outcome'],
): AuditEntry => ({ actor: p.sub, role: p.role, operation: op, accountId, subject, outcome, at: ports.clock.nowMs() });

export async function audited<T>(
  ports: Pick<ManagementPorts, 'audit' | 'clock'>,
  p: Principal,
  op: Operation,
  accountId: string | undefined,
  run: () => Promise<T>,
  subject?: string,
): Promise<T> {
  const entry = (outcome: AuditEntry['outcome']) => auditEntry(ports, p, op, accountId, subject, outcome);
  await guard(ports, p, op, accountId, subject);
  try {
    const out = await run();
    await ports.audit(entry('ok'));
    return out;
  } catch (e) {
    await ports.audit(entry(isCallersFault(e) ? 'denied' : 'failed'));
    throw e;
  }
}

/** The account as a customer or staff member sees it: settings, applications, key ids; never a secret. */
/**
 * An account id that names no account: "not found" for a principal who sees every account (it learns nothing new),
 * for anyone else the same "not allowed" as an account out of scope (nothing tells an outsider whether an id
 * exists).
 */
export const noSuchAccount = (p: Principal, op: Operation) =>
  p.accounts.includes('*') ? notFound('account') : forbidden(`not allowed: ${op}`);

export async function viewAccount(ports: ManagementPorts, p: Principal, accountId: string) {
  const account = await ports.getAccount(accountId);
  if (!account) throw noSuchAccount(p, 'accounts:read');
  const { accountKey: _secret, ...settings } = account;
  return { ...settings, applications: await ports.listApplications(accountId), keys: await ports.listKeys(accountId) };
}

export async function createAccount(ports: ManagementPorts, p: Principal, body: unknown) {
  return audited(ports, p, 'accounts:create', undefined, async () => {
    const input = parseOr400(CreateAccountSchema, body);
    const created = await ports.createAccount({ ...input, nowMs: ports.clock.nowMs() });
    // The administrative contact is invited to the console as the account's administrator (issue 21). The account
    // exists by now: an invitation that fails is reported (and audited), not turned into a failed creation that a
    // retry would repeat; `people:invite` sends it again.
    let invitation: 'invited' | 'granted' | 'failed';
    try {
      invitation = await ports.directory.invite('customers', input.adminEmail, {
        accounts: [created.accountId],
        adminOf: [created.accountId],
      });
    } catch {
      invitation = 'failed';
    }
    await ports.audit({
      actor: p.sub,
      role: p.role,
      operation: 'people:invite',
      accountId: created.accountId,
      outcome: invitation === 'failed' ? 'failed' : 'ok',
      at: ports.clock.nowMs(),
      detail: { invitation, admin: true },
    });
    return { ...created, invitation };
  });
}

/**
 * PATCH of an account's settings with JSON Merge Patch semantics: what the body does not name is kept
 * (saving one rule never drops the others). With `ifMatch` (the ETag the editor read) a concurrent change
 * is refused with 412 instead of being overwritten.
 */
export async function updateAccount(
  ports: ManagementPorts,
  p: Principal,
  accountId: string,
  body: unknown,
  ifMatch?: string,
) {
  return audited(ports, p, 'accounts:update', accountId, async () => {
    const changes = parseOr400(UpdateAccountSchema, body);
    if (Object.keys(changes).length === 0) throw badRequest('body', 'no setting to change');
    const account = await ports.getAccount(accountId);
    if (!account) throw noSuchAccount(p, 'accounts:update');
    if (account.status !== 'active') throw conflict('account is terminated');
    if (changes.scrubRules?.extraPatterns) {
      await loadPatternEngine();
      changes.scrubRules.extraPatterns.forEach((x, i) => {
        try {
          compilePattern(x.pattern);
        } catch (e) {
          throw badRequest(`scrubRules.extraPatterns[${i}].pattern`, `"${x.name}" ${(e as Error).message}`);
        }
      });
    }
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etagOf(account)) throw preconditionFailed();
    const merged = {
      ...changes,
      ...(changes.scrubRules && { scrubRules: mergePatch(account.scrubRules, changes.scrubRules) }),
      ...(changes.retentionDays !== undefined && {
        retentionFloor: retentionFloorAfter(
          account.retentionDays,
          changes.retentionDays,
          ports.clock.nowMs(),
          account.retentionFloor,
          account.retentionCeiling,
        ),
        retentionCeiling: retentionCeilingAfter(
          account.retentionDays,
          changes.retentionDays,
          ports.clock.nowMs(),
          account.retentionCeiling,
        ),
      }),
    };
    if (
      !(await ports.updateAccount(
        accountId,
        merged as Partial<Account>,
        ifMatch === undefined ? undefined : account.version,
      ))
    )
      throw preconditionFailed();
    return viewAccount(ports, p, accountId);
  });
}

const preconditionFailed = () =>
  stale('the settings changed since you read them: reload and apply your change again', 'If-Match');

export async function rotateKey(ports: ManagementPorts, p: Principal, accountId: string, applicationId: string) {
  return audited(ports, p, 'keys:rotate', accountId, async () => {
    const apps = await ports.listApplications(accountId);
    if (!apps.some((a) => a.applicationId === applicationId)) throw forbidden('not allowed: keys:rotate');
    // A terminated account gets no new key: its agents stopped for good when the contract ended (P8).
    if ((await ports.getAccount(accountId))?.status !== 'active') throw conflict('account is terminated');
    return ports.rotateKey(accountId, applicationId, ports.clock.nowMs(), KEY_OVERLAP_SECONDS);
  });
}

export const TerminateSchema = z.strictObject({ graceDays: z._default(days(0), DEFAULT_TERMINATION_GRACE_DAYS) });

/**
 * Contract termination (P8): ingest stops at once (status + every agent key revoked); the retention
 * auditor deletes all of the account's data once the grace period is over and writes a deletion receipt.
 */
export async function terminateAccount(
  ports: ManagementPorts & { revokeKeys(accountId: string): Promise<number> },
  p: Principal,
  accountId: string,
  body: unknown,
) {
  return audited(ports, p, 'accounts:terminate', accountId, async () => {
    const { graceDays } = parseOr400(TerminateSchema, body ?? {});
    const account = await ports.getAccount(accountId);
    if (!account) throw noSuchAccount(p, 'accounts:terminate');
    const now = ports.clock.nowMs();
    const deleteAfter = deletionTime(now, graceDays);
    await ports.updateAccount(accountId, { status: 'terminated', terminatedAt: now, deleteAfter } as Partial<Account>);
    const keysRevoked = await ports.revokeKeys(accountId);
    return { accountId, status: 'terminated', keysRevoked, deleteAfter: new Date(deleteAfter).toISOString() };
  });
}

/** The person to erase: the identifier as the customer knows it, or the userKey a search returned. */
export const ErasureRequestSchema = z.union([
  z.strictObject({ userId: z.boundedString(1, 256) }),
  z.strictObject({
    userKey: z.string().check(z.regex(/^acc_[a-f0-9]{16}#[A-Za-z0-9_-]{32}$/, 'a userKey from a user search')),
  }),
]);

/** userKey of the request, within the account (a key of another account is refused). */
export function subjectKey(accountId: string, accountKey: Buffer, body: { userId?: string; userKey?: string }): string {
  if (body.userKey !== undefined) {
    if (!body.userKey.startsWith(`${accountId}#`)) throw badRequest('userKey', 'belongs to another account');
    return body.userKey;
  }
  return userKeyOf(accountId, accountKey, body.userId!);
}

/**
 * Starts the erasure workflow for one user of an account. Only the keyed hash of the identifier leaves this
 * function: the request record, the execution input (and so its 90-day history) and the receipt.
 */
/** One erasure request: recorded and its workflow started (execution name = request id). */
async function startOne(ports: ManagementPorts & ErasureAdminPorts, p: Principal, accountId: string, userKey: string) {
  const input: ErasureInput = {
    requestId: `er_${ports.newId()}`,
    accountId,
    userKey,
    requestedBy: p.sub,
    requestedAt: ports.clock.nowMs(),
  };
  await ports.startErasure(input);
  return { requestId: input.requestId, status: 'requested' as const, userKey };
}

export async function requestErasure(
  ports: ManagementPorts & ErasureAdminPorts,
  p: Principal,
  accountId: string,
  body: unknown,
) {
  await guard(ports, p, 'erasure:request', accountId);
  const subject = parseOr400(ErasureRequestSchema, body);
  const account = await ports.getAccount(accountId);
  const userKey = account ? subjectKey(accountId, account.accountKey, subject) : undefined;
  return audited(
    ports,
    p,
    'erasure:request',
    accountId,
    async () => {
      if (!account || !userKey) throw noSuchAccount(p, 'erasure:request');
      return startOne(ports, p, accountId, userKey);
    },
    userKey,
  );
}

/** At most this many users in one batch request (one receipt each). */
export const MAX_ERASURE_BATCH = 1_000;
export const ErasureBatchSchema = z.strictObject({
  users: z.array(ErasureRequestSchema).check(z.minLength(1), z.maxLength(MAX_ERASURE_BATCH)),
});

/**
 * Many users at once (a deletion queue): every user is validated first (a 400 names `users[i]…`), then one
 * request per user is started, each with its own workflow, progress and receipt. A retried batch may start a
 * second request for some users: each completes on its own (erasure is idempotent).
 */
export async function requestErasureBatch(
  ports: ManagementPorts & ErasureAdminPorts,
  p: Principal,
  accountId: string,
  body: unknown,
) {
  await guard(ports, p, 'erasure:request', accountId);
  const { users } = parseOr400(ErasureBatchSchema, body);
  const account = await ports.getAccount(accountId);
  if (!account) throw noSuchAccount(p, 'erasure:request');
  const keys = users.map((u, i) => {
    try {
      return subjectKey(accountId, account.accountKey, u);
    } catch (e) {
      if (e instanceof DomainError && e.field) throw badRequest(`users[${i}].${e.field}`, e.message);
      throw e;
    }
  });
  const seen = new Map<string, number>();
  keys.forEach((k, i) => {
    if (seen.has(k)) throw badRequest(`users[${i}]`, `names the same user as users[${seen.get(k)}]`);
    seen.set(k, i);
  });
  const requests: Array<{ requestId: string; userKey: string; status: 'requested' }> = [];
  let next = 0;
  // ten at a time: a thousand starts take a few seconds, well within the API's 29 s
  await Promise.all(
    Array.from({ length: Math.min(10, keys.length) }, async () => {
      for (let i = next++; i < keys.length; i = next++) {
        const userKey = keys[i]!;
        requests[i] = await audited(
          ports,
          p,
          'erasure:request',
          accountId,
          () => startOne(ports, p, accountId, userKey),
          userKey,
        );
      }
    }),
  );
  return { requests };
}

/**
 * Stops a request that has not ended: its workflow is stopped (Step Functions' own stop), the request is recorded
 * `cancelled`, and the user's tombstone is lifted (new events carry the identity again). What was already
 * stripped stays stripped; a step running at the moment of the stop finishes (as on AWS).
 */
export async function cancelErasure(ports: ManagementPorts & ErasureAdminPorts, p: Principal, requestId: string) {
  const rec = /^er_[A-Za-z0-9]{8,40}$/.test(requestId) ? await ports.getErasure(requestId) : undefined;
  if (!rec) {
    authorize(p, 'erasure:request', undefined);
    throw notFound('erasure request');
  }
  return audited(
    ports,
    p,
    'erasure:request',
    rec.accountId,
    async () => {
      if (rec.status === 'completed' || rec.status === 'failed' || rec.status === 'cancelled')
        throw conflict(`the request has ended (${rec.status}); nothing to cancel`);
      await ports.cancelErasure(rec, ports.clock.nowMs());
      return { requestId, status: 'cancelled' as const, progress: rec.progress };
    },
    rec.userKey,
  );
}

export async function erasureStatus(ports: ManagementPorts & ErasureAdminPorts, p: Principal, requestId: string) {
  const rec = /^er_[A-Za-z0-9]{8,40}$/.test(requestId) ? await ports.getErasure(requestId) : undefined;
  if (!rec) {
    authorize(p, 'erasure:read', undefined); // administrators learn it does not exist; others get 403 either way
    throw notFound('erasure request');
  }
  return audited(ports, p, 'erasure:read', rec.accountId, async () => rec, rec.userKey);
}

/** An erasure request as recorded: the input, its status, progress and (once done) the receipt. */
export type ErasureRecord = ErasureInput & {
  status: string;
  startedAt?: number;
  progress?: { linked: number; stripped: number };
  receipt?: unknown;
  error?: string;
};

export interface ErasureAdminPorts {
  newId(): string;
  /** records the request and starts the state machine (execution name = request id) */
  startErasure(input: ErasureInput): Promise<void>;
  getErasure(requestId: string): Promise<ErasureRecord | undefined>;
  /** stops the request's execution, records it `cancelled` (later steps cannot overwrite it), lifts the tombstone */
  cancelErasure(rec: ErasureRecord, nowMs: number): Promise<void>;
}

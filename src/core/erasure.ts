import * as z from './zod.ts';
import type { Clock } from './clock.ts';
import { firstIssue } from './events.ts';

/**
 * Right to be forgotten (P11). The state machine carries only the keyed hash of the identity (userKey):
 * its input, its history (kept 90 days by AWS), the ledger and the receipt never contain the identifier.
 */
export const ERASURE_PAGE_SIZE = 500;
export const ERASURE_CONCURRENCY = 25;

export const ErasureInputSchema = z.strictObject({
  requestId: z.string().check(z.regex(/^er_[A-Za-z0-9]{8,40}$/)),
  accountId: z.string().check(z.minLength(1)),
  userKey: z.string().check(z.minLength(1)),
  requestedBy: z.string().check(z.minLength(1)),
  requestedAt: z.int(),
});
export type ErasureInput = z.infer<typeof ErasureInputSchema>;

export type ErasureStatus = 'requested' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface ErasureReceipt {
  requestId: string;
  accountId: string;
  userKey: string;
  interactionsErased: number;
  userRowDeleted: boolean;
  startedAt: number;
  completedAt: number;
  verified: true;
}

export interface ErasurePorts {
  clock: Clock;
  accountExists(accountId: string): Promise<boolean>;
  /** records the request (idempotent), so that an execution an operator started directly can be followed too */
  recordRequest(input: ErasureInput): Promise<void>;
  /** the audit record of the workflow's own start: however it was started (API, AWS CLI), the start is on record */
  auditStart(input: ErasureInput, nowMs: number): Promise<void>;
  setStatus(input: ErasureInput, status: ErasureStatus, extra?: Record<string, unknown>): Promise<void>;
  /** marks the user row so that ingest stores later events without identity; true if the user had a row */
  writeTombstone(accountId: string, userKey: string, nowMs: number): Promise<boolean>;
  /**
   * Removes the identity from up to `limit` linked interactions. Per-item failures (throttling) are
   * counted, not thrown, so a page makes progress; it throws only when it could change nothing.
   */
  eraseLinked(userKey: string, limit: number, concurrency: number): Promise<{ changed: number; failed: number }>;
  countLinked(userKey: string): Promise<number>;
  /** deletes the user's row (and with it the tombstone); true if there was one */
  deleteUser(accountId: string, userKey: string): Promise<boolean>;
  userExists(accountId: string, userKey: string): Promise<boolean>;
  appendLedger(input: ErasureInput, nowMs: number): Promise<void>;
  writeReceipt(receipt: ErasureReceipt): Promise<void>;
  notify(input: ErasureInput, receipt: ErasureReceipt): Promise<void>;
}

/** `erased`: interactions linked when the tombstone was written; `stripped`: how many pages have changed so far. */
type Running = ErasureInput & { startedAt: number; erased: number; stripped?: number; hadUserRow?: boolean };

export class ErasureIncomplete extends Error {
  override name = 'ErasureIncomplete';
}

/**
 * The workflow was started with an input it cannot act on (a bad field, an unknown account): nothing to
 * retry. The state machine fails at once with this error's name and message as its error and cause.
 */
export class InvalidErasureInput extends Error {
  override name = 'InvalidErasureInput';
}

/** Each step is idempotent: running a request twice (or resuming it) changes nothing more. */
export const erasureSteps = {
  async validate(p: ErasurePorts, raw: unknown) {
    const r = z.safeParse(ErasureInputSchema, raw);
    if (!r.success) {
      const { field, reason } = firstIssue(r.error);
      throw new InvalidErasureInput(`${field}: ${reason}`);
    }
    if (!(await p.accountExists(r.data.accountId))) throw new InvalidErasureInput('accountId: no such account');
    await p.recordRequest(r.data);
    const startedAt = p.clock.nowMs();
    await p.auditStart(r.data, startedAt);
    await p.setStatus(r.data, 'running', { startedAt });
    return { ...r.data, startedAt, erased: 0 };
  },
  /** From here on, ingest stores this user's events without identity; then count what is linked. */
  async tombstone(p: ErasurePorts, s: Running) {
    const hadUserRow = await p.writeTombstone(s.accountId, s.userKey, p.clock.nowMs());
    return { ...s, hadUserRow, erased: await p.countLinked(s.userKey) };
  },
  /** One page; the request's progress (linked, stripped so far) is recorded for whoever follows it. */
  async erasePage(p: ErasurePorts, s: Running) {
    const { changed, failed } = await p.eraseLinked(s.userKey, ERASURE_PAGE_SIZE, ERASURE_CONCURRENCY);
    const stripped = (s.stripped ?? 0) + changed;
    if (changed > 0) await p.setStatus(s, 'running', { progress: { linked: s.erased, stripped } });
    return { ...s, stripped, more: changed > 0 || failed > 0 };
  },
  /**
   * Counts what is still linked; the state machine loops back to erasePage (bounded) until nothing is. When
   * nothing is, that moment is the erasure's `completedAt`: a batch sent before it is stored without identity,
   * because the tombstone stays for the longest in-flight ingest after it (the workflow waits before `finish`).
   */
  async verify(p: ErasurePorts, s: Running & { verifyAttempts?: number }) {
    const remaining = await p.countLinked(s.userKey);
    const complete = remaining === 0;
    return {
      ...s,
      remaining,
      complete,
      verifyAttempts: (s.verifyAttempts ?? 0) + 1,
      ...(complete ? { completedAt: p.clock.nowMs() } : {}),
    };
  },
  /** Ledger (for restores), then the user row (with its tombstone) goes, then the receipt. */
  async finish(p: ErasurePorts, s: Running & { completedAt?: number }) {
    await p.appendLedger(s, p.clock.nowMs());
    // the tombstone row of a user who never had one is deleted too, but there was no user record to delete
    const userRowDeleted = (await p.deleteUser(s.accountId, s.userKey)) && s.hadUserRow !== false;
    if (await p.userExists(s.accountId, s.userKey)) throw new ErasureIncomplete('user row still present');
    const receipt: ErasureReceipt = {
      requestId: s.requestId,
      accountId: s.accountId,
      userKey: s.userKey,
      interactionsErased: s.erased,
      userRowDeleted,
      startedAt: s.startedAt,
      completedAt: s.completedAt ?? p.clock.nowMs(),
      verified: true,
    };
    await p.writeReceipt(receipt);
    await p.setStatus(s, 'completed', { receipt });
    return { ...s, receipt };
  },
  async notify(p: ErasurePorts, s: ErasureInput & { receipt: ErasureReceipt }) {
    await p.notify(s, s.receipt);
    return { requestId: s.requestId, status: 'completed', receipt: s.receipt };
  },
  /**
   * Records the failure on the request (when the input named a real one) and hands the state machine's
   * Fail state the error and a string cause, as Step Functions shows them (DescribeExecution).
   */
  async markFailed(p: ErasurePorts, s: { input?: unknown; error?: { Error?: string; Cause?: unknown } }) {
    const error = s.error?.Error ?? 'Error';
    const cause = typeof s.error?.Cause === 'string' ? s.error.Cause : JSON.stringify(s.error?.Cause ?? 'unknown');
    const input = z.safeParse(ErasureInputSchema, s.input);
    if (input.success && error !== 'InvalidErasureInput') await p.setStatus(input.data, 'failed', { error });
    return { requestId: input.success ? input.data.requestId : undefined, status: 'failed', error, cause };
  },
};
export type ErasureAction = keyof typeof erasureSteps;

/**
 * What can go wrong in a use case, in the domain's words. Core raises these and never thinks in HTTP: one
 * mapper in the HTTP adapter (src/adapters/http.ts) turns each kind into a status, and the erasure workflow
 * sees them as error names.
 */
export type ErrorKind =
  'invalid' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'stale' | 'too-large' | 'retryable';

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** the request field at fault (a JSON path, or a header name) */
    readonly field?: string,
    /** retryable: how long the caller should wait */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** A bad field: the message names it, then says why. */
export const badRequest = (field: string, reason: string) => new DomainError('invalid', `${field}: ${reason}`, field);
export const unauthorized = (reason: string) => new DomainError('unauthenticated', reason);
export const forbidden = (reason = 'not allowed', field?: string) => new DomainError('forbidden', reason, field);
export const notFound = (what = 'resource') => new DomainError('not-found', `${what} not found`);
export const tooLarge = (reason: string) => new DomainError('too-large', reason);
export const conflict = (reason: string) => new DomainError('conflict', reason);
/** The thing changed since the caller read it (optimistic concurrency). */
export const stale = (reason: string, field?: string) => new DomainError('stale', reason, field);

/**
 * A store failed or throttled: the caller keeps its data and retries after a pause. The name is what Step Functions
 * retries on.
 */
export class RetryableError extends DomainError {
  override name = 'RetryableError';
  constructor(reason: string, retryAfterSeconds = 2) {
    super('retryable', reason, undefined, retryAfterSeconds);
  }
}

/** Whether a failure is the caller's (a denial in the audit trail) rather than the system's. */
export const isCallersFault = (e: unknown) => e instanceof DomainError && e.kind !== 'retryable';

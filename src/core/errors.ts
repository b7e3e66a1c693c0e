/** Errors a use case raises; handlers map them to HTTP answers in one place (src/adapters/http.ts). */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  body(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}

export const badRequest = (field: string, reason: string) => new HttpError(400, 'invalid_request', `${field}: ${reason}`, field);
export const unauthorized = (reason: string) => new HttpError(401, 'unauthorized', reason);
export const forbidden = (reason = 'not allowed') => new HttpError(403, 'forbidden', reason);
export const notFound = (what = 'resource') => new HttpError(404, 'not_found', `${what} not found`);
export const tooLarge = (reason: string) => new HttpError(413, 'payload_too_large', reason);
export const conflict = (reason: string) => new HttpError(409, 'conflict', reason);

/** A store failed or throttled: the caller keeps its data and retries after a pause. */
export class RetryableError extends HttpError {
  override name = 'RetryableError';
  constructor(reason: string, retryAfterSeconds = 2) {
    super(503, 'unavailable', reason, undefined, { 'Retry-After': String(retryAfterSeconds) });
  }
}

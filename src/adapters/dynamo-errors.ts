import { DomainError, RetryableError } from '#core/errors.ts';

const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TimeoutError',
  'RequestTimeout',
  'ECONNRESET',
  'ECONNREFUSED',
  'SlowDown',
  'InternalError',
]);

/** Store failures become 503 + Retry-After (the caller keeps its data); anything else is rethrown. */
export async function retryable<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const err = e as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
    const status = err.$metadata?.httpStatusCode ?? 0;
    // A key no item can have (e.g. an id longer than DynamoDB allows) is the caller's input, not an outage.
    if (err.name === 'ValidationException')
      throw new DomainError('invalid', `${what}: the request refers to something that cannot exist`);
    if (RETRYABLE.has(err.name ?? '') || RETRYABLE.has(err.code ?? '') || status >= 500 || err.$retryable) {
      throw new RetryableError(`${what} is unavailable, retry later`);
    }
    throw e;
  }
}

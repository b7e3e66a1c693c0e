import { createHmac, timingSafeEqual } from 'node:crypto';

/** Agent protocol v1 (docs/agent-protocol.md): HMAC-SHA256(secret, "<timestamp>.<raw body>") in hex. */
export const SIGNATURE_VERSION = 'v1';

export function sign(secret: Buffer | string, timestamp: number | string, body: Buffer | string): string {
  const h = createHmac('sha256', secret);
  h.update(`${timestamp}.`);
  h.update(body);
  return `${SIGNATURE_VERSION}=${h.digest('hex')}`;
}

/**
 * The server's answer to a signed request: HMAC-SHA256(secret, "<timestamp>.<request signature>.<body>").
 * It names the request it answers, so an answer recorded for one request cannot be replayed for another.
 */
export function signAnswer(secret: Buffer | string, timestamp: number | string, requestSignature: string, body: Buffer | string): string {
  return sign(secret, `${timestamp}.${requestSignature}`, body);
}

/** Constant-time comparison of a presented signature header with the expected one. */
export function signatureMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type TimestampCheck = 'ok' | 'malformed' | 'stale';
export function checkTimestamp(header: string | undefined, nowSeconds: number, windowSeconds: number): TimestampCheck {
  if (!header || !/^\d{1,12}$/.test(header)) return 'malformed';
  return Math.abs(nowSeconds - Number(header)) <= windowSeconds ? 'ok' : 'stale';
}

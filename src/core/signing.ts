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
export function signAnswer(
  secret: Buffer | string,
  timestamp: number | string,
  requestSignature: string,
  body: Buffer | string,
): string {
  return sign(secret, `${timestamp}.${requestSignature}`, body);
}

/**
 * Protocol v2 key proof (X-Lethe-Key-Proof): "v2=<unix minute>.<hex HMAC-SHA256(secret, "<unix minute>.<key id>")>".
 * The agents' authorizer checks it before the request reaches the usage plan: knowing a key id is not
 * enough to spend an account's request budget. It changes once a minute, so the gateway can cache it.
 */
export const KEY_PROOF_WINDOW_MINUTES = 5;
export function keyProof(secret: Buffer | string, unixMinute: number, keyId: string): string {
  return `v2=${unixMinute}.${createHmac('sha256', secret).update(`${unixMinute}.${keyId}`).digest('hex')}`;
}

/** Whether a presented key proof is one of the key's and within the window of the current minute. */
export function keyProofValid(
  presented: string | undefined,
  secret: Buffer | string,
  keyId: string,
  nowSeconds: number,
): boolean {
  const m = presented ? /^v2=(\d{1,10})\.[0-9a-f]{64}$/.exec(presented) : null;
  if (!m) return false;
  const minute = Number(m[1]);
  if (Math.abs(Math.floor(nowSeconds / 60) - minute) > KEY_PROOF_WINDOW_MINUTES) return false;
  return signatureMatches(presented!, keyProof(secret, minute, keyId));
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

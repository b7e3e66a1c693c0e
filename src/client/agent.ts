import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { LIMITS } from '#core/limits.ts';
import { checkTimestamp, keyProof, sign, signAnswer, signatureMatches } from '#core/signing.ts';

/**
 * The reference agent client (docs/agent-protocol.md): signs every attempt with a fresh timestamp,
 * verifies the server's signed answer, and keeps retrying a batch on 503/5xx/network errors until it is
 * acknowledged. Used by the CLI, the tests, the benchmarks and the docs.
 */
export interface AgentCredentials {
  endpoint: string;
  keyId: string;
  secret: string;
}

/** What Lethe answers an agent (docs/agent-protocol.md). */
export interface AgentAnswer {
  accepted?: number;
  expired?: number;
  findings?: number;
  error?: string;
  message?: string;
  field?: string;
}

export interface SendResult {
  status: number;
  /** the answer: counts when stored, `{ error, message, field }` when refused */
  body: AgentAnswer;
  /** the server's signature over its answer checked out */
  serverVerified: boolean;
  attempts: number;
}

export interface SendOptions {
  gzip?: boolean;
  maxAttempts?: number;
  /** injected for tests */
  nowSeconds?: () => number;
  fetchImpl?: typeof fetch;
}

export async function sendBatch(
  creds: AgentCredentials,
  events: unknown[],
  options: SendOptions = {},
): Promise<SendResult> {
  const json = Buffer.from(JSON.stringify({ events }), 'utf8');
  const body = options.gzip ? gzipSync(json) : json;
  const maxAttempts = options.maxAttempts ?? 8;
  const now = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const doFetch = options.fetchImpl ?? fetch;
  for (let attempt = 1; ; attempt++) {
    const ts = String(now());
    const signature = sign(creds.secret, ts, body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-lethe-key-id': creds.keyId,
      'x-lethe-key-proof': keyProof(creds.secret, Math.floor(Number(ts) / 60), creds.keyId),
      'x-lethe-timestamp': ts,
      'x-lethe-signature': signature,
    };
    if (options.gzip) headers['content-encoding'] = 'gzip';
    let res: Response;
    try {
      res = await doFetch(`${creds.endpoint.replace(/\/$/, '')}/v1/events`, { method: 'POST', headers, body });
    } catch (e) {
      if (attempt >= maxAttempts) throw e;
      await sleep(backoff(attempt));
      continue;
    }
    const text = await res.text();
    const rts = res.headers.get('x-lethe-timestamp');
    const rsig = res.headers.get('x-lethe-signature');
    // The answer must name this request (its signature) and be fresh: a recorded answer cannot be replayed.
    const serverVerified = !!(
      rts &&
      rsig &&
      checkTimestamp(rts, now(), LIMITS.signatureWindowSeconds) === 'ok' &&
      signatureMatches(rsig, signAnswer(creds.secret, rts, signature, text))
    );
    if ((res.status === 503 || res.status >= 500) && attempt < maxAttempts) {
      const retryAfter = Number(res.headers.get('retry-after') ?? '1');
      await sleep(Math.min(backoff(attempt), (Number.isFinite(retryAfter) ? retryAfter : 1) * 1000));
      continue;
    }
    // a non-JSON answer (a proxy's error page, say) is kept as the message
    let parsed: AgentAnswer = { message: text };
    try {
      parsed = JSON.parse(text) as AgentAnswer;
    } catch {
      /* non-JSON answer */
    }
    return { status: res.status, body: parsed, serverVerified, attempts: attempt };
  }
}

function backoff(attempt: number): number {
  return Math.min(5_000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

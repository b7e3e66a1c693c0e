import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../src/client/agent.ts';
import { signAnswer } from '#core/signing.ts';

const creds = { endpoint: 'http://agent.test', keyId: 'key_1', secret: 'sk_test' };
const NOW = 1_767_225_600;

/** A server stand-in that answers 200, signing for whatever request signature `sigFor` picks, at `at`. */
function server(sigFor: (requestSignature: string) => string, at = NOW): typeof fetch {
  return (async (_url: string, init: RequestInit) => {
    const body = '{"accepted":1,"expired":0,"findings":0}';
    const requestSignature = (init.headers as Record<string, string>)['x-lethe-signature']!;
    return new Response(body, {
      status: 200,
      headers: {
        'x-lethe-timestamp': String(at),
        'x-lethe-signature': signAnswer(creds.secret, at, sigFor(requestSignature), body),
      },
    });
  }) as typeof fetch;
}

describe('the reference agent verifies that an answer is for its own request, and fresh', () => {
  it('trusts an answer signed over its request signature', async () => {
    const r = await sendBatch(creds, [{}], { nowSeconds: () => NOW, fetchImpl: server((s) => s) });
    expect(r.serverVerified).toBe(true);
  });

  it('does not trust a recorded answer to another request (replayed "200")', async () => {
    const r = await sendBatch(creds, [{}], {
      nowSeconds: () => NOW,
      fetchImpl: server(() => 'v1=signature-of-an-earlier-request'),
    });
    expect(r.serverVerified).toBe(false);
  });

  it('does not trust an answer whose timestamp is outside the 300 s window', async () => {
    const r = await sendBatch(creds, [{}], { nowSeconds: () => NOW, fetchImpl: server((s) => s, NOW - 301) });
    expect(r.serverVerified).toBe(false);
  });
});

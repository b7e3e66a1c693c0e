import { browserOf } from '#core/browser.ts';
import { rawBody } from '#core/body.ts';
import { ingest, type AnswerContext } from '#core/ingest.ts';
import { signAnswer } from '#core/signing.ts';
import { errorReply, httpFunction, jsonReply, type Reply, toResult } from './http.ts';
import { ingestPorts } from './ingest-ports.ts';

/** Every answer to a server agent is signed with its key (once the key was verified), so it can verify us. */
function answered(reply: Reply, a: AnswerContext): Reply {
  const headers = { ...reply.headers };
  if (a.signer) {
    headers['x-lethe-timestamp'] = String(a.nowSec);
    headers['x-lethe-signature'] = signAnswer(a.signer.secret, a.nowSec, a.signer.requestSignature, reply.body);
  }
  if (a.corsOrigin) {
    headers['access-control-allow-origin'] = a.corsOrigin;
    headers.vary = 'Origin';
  }
  return { ...reply, headers };
}

/** Both ingest functions: the proxy event becomes an IngestRequest; the source IP and user agent go no further. */
export function ingestHandler(agent: 'server' | 'browser') {
  return httpFunction(async (event) => {
    const headers = event.headers as Record<string, string | undefined>;
    const r = await ingest(ingestPorts, {
      agent,
      headers,
      query: event.queryStringParameters ?? {},
      raw: rawBody(event.body, event.isBase64Encoded),
      browserFromUserAgent: agent === 'browser' ? browserOf(headers['user-agent']) : undefined,
    });
    return toResult(answered('error' in r ? errorReply(r.error) : jsonReply(200, r.outcome), r.answer));
  });
}

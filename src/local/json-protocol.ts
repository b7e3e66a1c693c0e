import type * as http from 'node:http';
import { type LocalCredentials, verifySigV4 } from './credentials.ts';

/** An operation's fault: its `__type` and HTTP status, as the AWS JSON protocols answer them. */
export interface ProtocolFault {
  type: string;
  message: string;
  status?: number;
}

/**
 * Serves an AWS JSON 1.0/1.1 protocol (`X-Amz-Target: <prefix>.<Operation>`) for the local engines (Step Functions,
 * SQS, Cognito user pools): the request must be SigV4-signed with the local credentials, as on AWS (but for the
 * operations AWS serves without credentials); an operation's thrown fault (`type`/`code`, `status`) becomes the
 * protocol's error. False when the request is not for this prefix.
 */
export async function serveJsonProtocol(
  req: http.IncomingMessage,
  body: Buffer,
  res: http.ServerResponse,
  options: {
    prefix: string;
    credentials: LocalCredentials;
    operations: Record<string, (input: any) => unknown>;
    unknown: ProtocolFault;
    defaultFault: string;
    /** operations AWS serves without credentials (a sign-in form's calls) */
    unsigned?: string[];
    contentType?: string;
  },
): Promise<boolean> {
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(`${options.prefix}.`)) return false;
  const send = (status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': options.contentType ?? 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(payload));
  };
  const op = target.slice(options.prefix.length + 1);
  // a public operation may come signed or not; every other one must be signed with the local credentials
  if (!(options.unsigned?.includes(op) && !req.headers.authorization)) {
    const denied = await verifySigV4(req, body, options.credentials);
    if (denied) return (send(denied.status, { __type: denied.type, message: denied.message }), true);
  }
  try {
    const input: unknown = JSON.parse(body.toString('utf8') || '{}');
    const handler = options.operations[op];
    if (!handler) throw Object.assign(new Error(`${options.unknown.message} ${op}`), { type: options.unknown.type });
    send(200, await handler(input));
  } catch (e: any) {
    send(e.status ?? 400, { __type: e.type ?? e.code ?? options.defaultFault, message: e.message });
  }
  return true;
}

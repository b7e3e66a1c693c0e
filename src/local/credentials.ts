import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * The local system's AWS credentials: one random pair per data folder (`<data>/auth/aws-credentials.json`,
 * mode 0600), listed in endpoints.json. The local Step Functions endpoint and S3 (s3rver) check requests
 * signed with them (SigV4); dynalite, like DynamoDB Local, accepts any.
 */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function localCredentials(dataDir: string): LocalCredentials {
  const file = path.join(dataDir, 'auth', 'aws-credentials.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const creds: LocalCredentials = {
      accessKeyId: `LETHELOCAL${randomBytes(5).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64url'),
    };
    try {
      fs.writeFileSync(file, JSON.stringify(creds), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

type Bytes = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Bytes): string | Buffer =>
  typeof d === 'string'
    ? d
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(new Uint8Array(d));

/** SHA-256 and HMAC-SHA-256 from node:crypto in the shape the SDK's signer takes. */
class Sha256 {
  private h;
  constructor(private readonly secret?: Bytes) {
    this.h = this.make();
  }
  private make() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: Bytes): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.make();
  }
}

export type AuthFailure = { status: number; type: string; message: string };

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
/** AWS refuses a signature older or newer than 15 minutes. */
const SKEW_MS = 15 * 60_000;

/**
 * Checks an AWS Signature Version 4 the way AWS does: the key id must be the local one, the date within
 * 15 minutes, and the signature the one the SDK's own signer computes over the headers the caller signed.
 * Returns undefined when the request is authentic, else the AWS error to answer.
 */
export async function verifySigV4(
  req: http.IncomingMessage,
  body: Buffer,
  creds: LocalCredentials,
  nowMs = Date.now(),
): Promise<AuthFailure | undefined> {
  const header = req.headers.authorization;
  if (!header)
    return { status: 400, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const m = AUTH.exec(header);
  if (!m)
    return {
      status: 400,
      type: 'IncompleteSignatureException',
      message: 'Authorization header is not a SigV4 signature',
    };
  const [, keyId, , region, service, signedHeaders, signature] = m as unknown as string[];
  if (keyId !== creds.accessKeyId)
    return {
      status: 400,
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!date)
    return { status: 400, type: 'IncompleteSignatureException', message: 'X-Amz-Date is missing or malformed' };
  const signingDate = new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!));
  if (Math.abs(nowMs - signingDate.getTime()) > SKEW_MS)
    return { status: 400, type: 'InvalidSignatureException', message: 'Signature expired' };

  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) {
    const v = req.headers[name];
    if (v === undefined)
      return { status: 400, type: 'IncompleteSignatureException', message: `signed header ${name} is missing` };
    headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const signer = new SignatureV4({
    credentials: creds,
    region: region!,
    service: service!,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    },
    { signingDate },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  if (expected.length !== 64 || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature!))) {
    return {
      status: 400,
      type: 'InvalidSignatureException',
      message: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  return undefined;
}

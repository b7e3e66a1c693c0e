import { gunzipSync } from 'node:zlib';
import { badRequest, tooLarge } from './errors.ts';

/** Raw body bytes as API Gateway delivered them (base64 when binary media types apply). */
export function rawBody(body: string | null, isBase64Encoded: boolean): Buffer {
  if (!body) return Buffer.alloc(0);
  return isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

/** Inflates a gzip body with a hard cap, so a gzip bomb costs at most `maxInflated` bytes. */
export function inflate(raw: Buffer, contentEncoding: string | undefined, maxInflated: number): Buffer {
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return raw;
  if (enc !== 'gzip') throw badRequest('Content-Encoding', `unsupported encoding "${enc}" (use gzip or none)`);
  try {
    return gunzipSync(raw, { maxOutputLength: maxInflated });
  } catch (e) {
    if (
      (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ||
      /Cannot create a Buffer larger|maxOutputLength/.test((e as Error).message)
    ) {
      throw tooLarge(`decompressed body exceeds ${maxInflated} bytes`);
    }
    throw badRequest('body', 'not valid gzip data');
  }
}

export function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) throw badRequest('body', 'empty body');
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD') && !Buffer.from(text, 'utf8').equals(buf)) throw badRequest('body', 'not valid UTF-8');
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('body', 'not valid JSON');
  }
}

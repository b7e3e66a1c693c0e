import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError, dataDir } from './context.ts';

/** The local runtime's default address, used when neither LETHE_ENDPOINT nor endpoints.json says otherwise. */
const LOCAL_DEFAULT = 'http://127.0.0.1:3000';

export function endpoint(): string {
  if (process.env.LETHE_ENDPOINT) return process.env.LETHE_ENDPOINT.replace(/\/$/, '');
  const file = path.join(dataDir(), 'endpoints.json');
  if (!fs.existsSync(file)) return LOCAL_DEFAULT;
  return JSON.parse(fs.readFileSync(file, 'utf8')).api;
}

export function token(): string {
  if (process.env.LETHE_TOKEN) return process.env.LETHE_TOKEN;
  const file = path.join(dataDir(), 'auth', 'admin.token');
  if (!fs.existsSync(file))
    throw new CliError(
      `no token: set LETHE_TOKEN or start the local runtime with \`npm start\` (it creates ${file})`,
      1,
    );
  return fs.readFileSync(file, 'utf8').trim();
}

/** The message for a system that does not answer: which URL, and what to do about it. */
export function unreachable(base: string): CliError {
  return new CliError(`cannot reach ${base} — is \`npm start\` running? (or set LETHE_ENDPOINT)`, 1);
}

/** fetch, with a refused or failed connection turned into the operator's message. */
export async function request(route: string, init: RequestInit = {}): Promise<Response> {
  const base = endpoint();
  try {
    return await fetch(`${base}${route}`, init);
  } catch (e) {
    if (e instanceof TypeError) throw unreachable(base);
    throw e;
  }
}

/** A management API call with the operator's token; a non-2xx answer becomes a CliError naming the route. */
export async function api(method: string, route: string, body?: unknown): Promise<any> {
  const res = await request(route, {
    method,
    headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep text */
  }
  if (!res.ok) throw new CliError(`${method} ${route} → ${res.status}: ${parsed?.message ?? text}`, 1);
  return parsed;
}

/** Fails fast, with the operator's message, when the system is down (before work that retries on its own). */
export async function ensureReachable(): Promise<void> {
  await request('/health');
}

export const enc = encodeURIComponent;

import { execFile } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime.ts';
import { listen } from '#local/engines.ts';
import { bootRuntime, createAccount, scanAll, tempDir } from '../helpers/runtime.ts';

const run = promisify(execFile);
const JAVA_DIR = path.resolve(import.meta.dirname, '../../clients/java');

let rt: Runtime;
let acc: Awaited<ReturnType<typeof createAccount>>;
const servers: http.Server[] = [];

type Answer = { status: number; body: Buffer } | undefined;

/** A proxy in front of the local API: `answer` may replace Lethe's answer (status, body) before the agent sees it. */
async function proxy(answer: (n: number, status: number, body: Buffer) => Answer) {
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const count = ++n;
        const hopByHop = ['host', 'connection', 'upgrade', 'http2-settings', 'content-length', 'keep-alive'];
        const upstream = await fetch(`${rt.endpoints.api}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !hopByHop.includes(k))) as any,
          body: Buffer.concat(chunks),
        });
        const body = Buffer.from(await upstream.arrayBuffer());
        const changed = answer(count, upstream.status, body);
        const headers = Object.fromEntries(
          [...upstream.headers].filter(([k]) => !['content-length', 'transfer-encoding', 'connection'].includes(k)),
        );
        res.writeHead(changed?.status ?? upstream.status, headers).end(changed?.body ?? body);
      })().catch((e: Error) => res.writeHead(502).end(e.message));
    });
  });
  servers.push(server);
  return `http://127.0.0.1:${await listen(server, 0, '127.0.0.1', 'test proxy')}`;
}

beforeAll(async () => {
  rt = await bootRuntime();
  acc = await createAccount(rt);
}, 120_000);

afterAll(async () => {
  for (const s of servers) s.close();
  await rt?.stop();
});

describe('the Java agent (clients/java, JDK single-file launcher) against the local system', () => {
  it('stores events from many threads, is refused a replay, retries 503s and detects a tampered answer', async () => {
    const java = await run('java', ['-version']).catch(() => undefined);
    if (!java) throw new Error('java not found: install a JDK (Debian: default-jdk-headless; .ci/run does)');
    // the first two attempts through this one are answered 503 (after Lethe stored them: the retry duplicates nothing)
    const flaky = await proxy((n) =>
      n <= 2 ? { status: 503, body: Buffer.from('{"error":"unavailable"}') } : undefined,
    );
    const tampering = await proxy((_, status, body) =>
      status === 200
        ? { status, body: Buffer.from(body.toString().replace('"accepted":1', '"accepted":2')) }
        : undefined,
    );
    const out = tempDir('lethe-java-');
    await run('javac', ['--release', '11', '-d', out, path.join(JAVA_DIR, 'LetheAgent.java')]);
    const { stdout } = await run(
      'java',
      [
        '-cp',
        out,
        path.join(JAVA_DIR, 'LetheAgentTest.java'),
        rt.endpoints.api,
        acc.keyId,
        acc.secret,
        acc.applicationId,
        flaky,
        tampering,
      ],
      { timeout: 120_000 },
    ).catch((e: { stdout?: string; stderr?: string }) => {
      throw new Error(`LetheAgentTest failed:\n${e.stdout}\n${e.stderr}`);
    });
    const checks = stdout.split('\n').filter((l) => l.startsWith('ok - '));
    expect(checks).toEqual([
      'ok - 600 events from 4 threads stored in 2 signed batches, answers verified',
      'ok - nothing left queued',
      'ok - a signed request is stored (200)',
      'ok - the same signed request replayed is refused (409), got 409',
      'ok - retried through two 503 answers until stored',
      expect.stringMatching(/^ok - an altered answer is detected: the answer's signature does not verify/),
      'ok - and the batch is kept for a later attempt',
    ]);

    const ids = stdout
      .split('\n')
      .find((l) => l.startsWith('ids '))!
      .slice(4)
      .split(',');
    expect(ids).toHaveLength(603);
    const items = (await scanAll(rt, 'Interactions')).filter((i) => i.accountId === acc.accountId);
    // every event the agent sent is stored exactly once (the 503-answered and the tampered attempts included)
    expect(items.map((i) => i.eventId).sort()).toEqual([...ids].sort());
    const order = items.find((i) => i.url === 'https://shop.example.com/api/orders/7')!;
    expect(order.queries).toEqual(['SELECT * FROM orders WHERE id = ?']);
    expect(order.user).toMatch(/^java-user-\d$/);
  }, 180_000);
});

// Cold start: every Lambda's bundle (built as CDK builds it, lib/constructs/bundling.ts) and its module
// initialisation time in a fresh Node process, beside a bare bundled handler that only creates a DynamoDB client.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleFunction } from '#lib/constructs/bundling.ts';
import { ROOT } from './harness.ts';

const BASELINE = 'baseline: bare DynamoDB client';
const ENV = {
  AWS_REGION: 'eu-west-1',
  INTERACTIONS_TABLE: 't',
  USERS_TABLE: 't',
  ACCOUNTS_TABLE: 't',
  AUDIT_TABLE: 't',
  BACKUP_BUCKET: 'b',
  DATA_KEY_ID: 'k',
};

/** Module-initialisation time (ms) of a bundle in a new Node process. */
function initMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(`file://${file}`)});console.log(performance.now()-t)`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, ...ENV },
    }).toString(),
  );
}

/** Bundles like the CDK construct; sizes of index.mjs (read at every cold start) and of the on-demand chunks. */
function bundle(entry: string, file: string): { bundleBytes: number; chunkBytes: number } {
  const dir = path.dirname(file);
  fs.rmSync(dir, { recursive: true, force: true });
  bundleFunction(entry, dir);
  const chunks = path.join(dir, 'chunks');
  const chunkBytes = fs.existsSync(chunks)
    ? fs.readdirSync(chunks).reduce((n, f) => n + fs.statSync(path.join(chunks, f)).size, 0)
    : 0;
  return { bundleBytes: fs.statSync(file).size, chunkBytes };
}

export async function runColdStartBench(runs = 15) {
  const dir = path.join(ROOT, 'bench', 'results', '.bundles');
  const entries: Array<[string, string]> = [
    [BASELINE, path.join(ROOT, 'bench', 'fixtures', 'bare-dynamodb.ts')],
    ...fs
      .readdirSync(path.join(ROOT, 'lambdas'))
      .sort()
      .map((fn): [string, string] => [fn, path.join(ROOT, 'lambdas', fn, 'handler.ts')]),
  ];
  const built: Array<{ name: string; file: string; bundleBytes: number; chunkBytes: number }> = [];
  for (const [name, entry] of entries) {
    const file = path.join(dir, name.replace(/[^a-z-]+/g, '-'), 'index.mjs');
    built.push({ name, file, ...bundle(entry, file) });
  }
  // Interleave the runs (baseline, every function, again…) so a busy moment of the machine hits all alike.
  const samples = new Map<string, number[]>(built.map((b) => [b.name, []]));
  for (let r = 0; r < runs; r++) for (const b of built) samples.get(b.name)!.push(initMs(b.file));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(samples.get(BASELINE)!);
  const out: Record<
    string,
    { bundleBytes: number; chunkBytes: number; initMsMedian: number; ratioToBaseline: number }
  > = {};
  for (const b of built) {
    const ms = median(samples.get(b.name)!);
    out[b.name] = {
      bundleBytes: b.bundleBytes,
      chunkBytes: b.chunkBytes,
      initMsMedian: Number(ms.toFixed(1)),
      ratioToBaseline: Number((ms / base).toFixed(2)),
    };
  }
  return { node: process.version, runs, functions: out };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('coldstart.ts')) {
  console.log(JSON.stringify(await runColdStartBench(), null, 2));
  process.exit(0);
}

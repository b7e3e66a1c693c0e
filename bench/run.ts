// `npm run bench`: every benchmark, one JSON file (bench/results/latest.json) and a readable table.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT } from './harness.ts';

const only = process.argv.slice(2);
const want = (name: string) => only.filter((o) => !o.startsWith('--')).length === 0 || only.includes(name);

const out = path.join(ROOT, 'bench', 'results', 'latest.json');
// A partial run (`npm run bench -- ingest`) replaces only its own figures in latest.json.
const previous = only.length && fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : {};
const results: Record<string, unknown> = {
  ...previous,
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
};
// Each benchmark runs in its own process: clean module state (SDK clients, caches) and no interference.
function run(name: string): unknown {
  console.error(`running ${name}…`);
  const out = execFileSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], {
    cwd: ROOT,
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).toString();
  return JSON.parse(out.slice(out.indexOf('{')));
}
const tableOnly = only.includes('--table-only');
if (!tableOnly)
  for (const name of ['scrub', 'ingest', 'erasure', 'retention', 'breach', 'load', 'coldstart', 'agents', 'capacity'])
    if (want(name)) results[name] = run(name);

fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);

const rows: string[] = ['| benchmark | figure | value |', '|---|---|---|'];
const s = results.scrub as any;
if (s) {
  for (const [lib, r] of Object.entries<any>(s.results))
    rows.push(
      `| scrub (${s.corpus.samples} mixed fields, ${s.corpus.bytes} B) | ${lib}: MB/s · recall · benign unchanged | ${r.mbPerSec.toFixed(2)} · ${r.recall.toFixed(3)} · ${r.benignUnchanged.toFixed(3)} |`,
    );
  for (const [lib, r] of Object.entries<any>(s.sql))
    rows.push(
      `| scrub SQL only | ${lib}: MB/s · literals removed | ${r.mbPerSec.toFixed(2)} · ${r.recall.toFixed(3)} |`,
    );
  rows.push(`| scrub | Lethe ÷ @redactpii/node throughput | ${s.speedupVsRedactpii.toFixed(2)}× |`);
}
const i = results.ingest as any;
if (i) {
  rows.push(
    `| ingest (${i.events} events, ${i.concurrency} concurrent 100-event batches) | handler events/s · raw BatchWriteItem events/s · ratio | ${i.ingestEventsPerSec} · ${i.rawBatchWriteEventsPerSec} · ${i.ratio} |`,
  );
  rows.push(`| ingest | handler p50 · p99 for a 100-event batch | ${i.handlerP50Ms} ms · ${i.handlerP99Ms} ms |`);
  rows.push(
    `| ingest | bundle size ingest-server · ingest-browser | ${i.bundleBytes['ingest-server']} B · ${i.bundleBytes['ingest-browser']} B |`,
  );
}
const e = results.erasure as any;
if (e)
  rows.push(
    `| erasure (user with ${e.userInteractions} interactions) | 10k-item table · 100k-item table · ratio | ${e.table10kMs} ms · ${e.table100kMs} ms · ${e.ratio} |`,
  );
const r = results.retention as any;
if (r)
  rows.push(
    `| retention auditor (${r.items} items, ${r.expired} past expiry) | examined · ms, Interactions by time and Users by expiry · read everything (baseline) | ${r.byTime.examined} · ${r.byTime.ms} ms · ${r.baselineReadEverything.examined} · ${r.baselineReadEverything.ms} ms (${r.examinedRatio} of the reads) |`,
  );
const b = results.breach as any;
if (b)
  rows.push(
    `| breach (${b.accounts} accounts, ${b.recipients} contacts) | notifications/s through the queue · called directly (baseline) · record ms · all sent in | ${b.notificationsPerSecViaQueue} · ${b.baselineDirectPerSec} · ${b.recordMs} ms · ${b.totalMinutes} min |`,
  );
const l = results.load as any;
if (l) {
  rows.push(
    `| load (${l.clients} agents × ${l.seconds} s, ${l.batchSize}-event signed batches over HTTP) | events/s · p50 · p99 | ${l.eventsPerSec} · ${l.p50Ms} ms · ${l.p99Ms} ms |`,
  );
  rows.push(
    `| load | acknowledged · lost · duplicates · errors | ${l.eventsAcknowledged} · ${l.lost} · ${l.duplicates} · ${JSON.stringify(l.errors)} |`,
  );
}
const c = results.coldstart as any;
if (c)
  for (const [fn, v] of Object.entries<any>(c.functions))
    rows.push(
      `| cold start (${c.node}): ${fn} | index.mjs · on-demand chunks · module init (median of ${c.runs}) · ÷ baseline | ${(v.bundleBytes / 1024).toFixed(0)} KiB · ${(v.chunkBytes / 1024).toFixed(0)} KiB · ${v.initMsMedian} ms · ${v.ratioToBaseline}× |`,
    );
const a = results.agents as any;
if (a) {
  const g = a.browserAgent;
  rows.push(
    `| browser agent (/agent/v1.js) | gzipped · budget · unminified gzipped (baseline) | ${g.gzipBytes} B · ${g.budgetGzipBytes} B (${g.withinBudget ? 'within' : 'OVER'}) · ${g.baselineUnminifiedGzipBytes} B |`,
  );
}
const cap = results.capacity as any;
if (cap) {
  for (const [name, m] of [
    ['one application', cap.application],
    ['one account', cap.account],
  ] as const)
    rows.push(
      `| capacity model: ${name} at ${m.eventsPerSecond} events/s, ${m.activeUsers} users | hottest key WCU/s (Interactions · Users) · largest events/s · unsharded WCU/s on one key (baseline) | ${m.hottestKeyUnitsPerSecond['Interactions|write']} · ${m.hottestKeyUnitsPerSecond['Users|write']} · ${m.largestEventsPerSecond} · ${m.unshardedWriteUnitsPerSecondOnOneKey} |`,
    );
  for (const t of ['interactions', 'users'] as const)
    rows.push(
      `| stored ${t} (${cap.stored[t].items} items, ${cap.stored[t].keys} keys) | hottest key's share · unsharded (baseline) | ${cap.stored[t].hottestShare.toFixed(3)} · ${cap.stored[t].baselineUnshardedHottestShare.toFixed(3)} |`,
    );
}
const table = rows.join('\n');
fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'latest.md'), `${table}\n`);
console.log(table);
process.exit(0);

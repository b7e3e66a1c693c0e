process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Cold start: every Lambda's bundle (built as CDK builds it) and its module initialisation time in a fresh Node process.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT } from './harness.ts';

export async function runColdStartBench(runs = 5) {
  const out: Record<string, { bundleBytes: number; initMsMedian: number }> = {};
  const dir = path.join(ROOT, 'bench', 'results', '.bundles');
  for (const fn of fs.readdirSync(path.join(ROOT, 'lambdas')).sort()) {
    const file = path.join(dir, fn, 'index.mjs');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await esbuild.build({
      entryPoints: [path.join(ROOT, 'lambdas', fn, 'handler.ts')], outfile: file, bundle: true, minify: true, sourcemap: false, platform: 'node', target: 'node22', format: 'esm',
      external: ['@aws-sdk/*'], mainFields: ['module', 'main'], banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" }, logLevel: 'silent',
    });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const ms = execFileSync(process.execPath, ['--input-type=module', '-e', `const t=performance.now();await import(${JSON.stringify(`file://${file}`)});console.log(performance.now()-t)`], {
        cwd: ROOT, env: { ...process.env, AWS_REGION: 'eu-west-1', INTERACTIONS_TABLE: 't', USERS_TABLE: 't', ACCOUNTS_TABLE: 't', AUDIT_TABLE: 't', BACKUP_BUCKET: 'b', DATA_KEY_ID: 'k' },
      }).toString();
      times.push(Number(ms));
    }
    times.sort((a, b) => a - b);
    out[fn] = { bundleBytes: fs.statSync(file).size, initMsMedian: Number(times[Math.floor(times.length / 2)]!.toFixed(1)) };
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('coldstart.ts')) {
  console.log(JSON.stringify(await runColdStartBench(), null, 2));
  process.exit(0);
}

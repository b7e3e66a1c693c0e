// The browser agent's size as customers' pages download it (issue 22's budget: 8 KB gzipped), with the baseline
// of the same run: the unminified bundle, gzipped the same way.
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { BROWSER_AGENT_SOURCE, bundleBrowserAgent } from '../lib/constructs/bundling.ts';
import { AGENT_V1_JS } from '../src/agent/v1.generated.ts';

const BUDGET_GZIP_BYTES = 8 * 1024;
const served = bundleBrowserAgent();
if (served !== AGENT_V1_JS) throw new Error('src/agent/v1.generated.ts is stale: run `npm run docs`');
const unminified = esbuild.buildSync({
  entryPoints: [BROWSER_AGENT_SOURCE.pathname],
  bundle: true,
  format: 'iife',
  target: ['es2020'],
  write: false,
  logLevel: 'silent',
}).outputFiles[0]!.text;
const gz = (s: string) => gzipSync(s, { level: 9 }).length;
console.log(
  JSON.stringify({
    browserAgent: {
      bytes: Buffer.byteLength(served),
      gzipBytes: gz(served),
      budgetGzipBytes: BUDGET_GZIP_BYTES,
      withinBudget: gz(served) <= BUDGET_GZIP_BYTES,
      baselineUnminifiedGzipBytes: gz(unminified),
    },
  }),
);

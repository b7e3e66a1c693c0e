// `npm start`: the whole of Lethe on this machine, no AWS, no Docker. The data folder is 0700, its files 0600.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_USER, startDemoShop } from './demo.ts';
import { DEFAULT_PORTS, startRuntime } from './runtime.ts';

const port = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be a port number (0-65535), got "${v}"`);
    process.exit(2);
  }
  return n;
};

try {
  const rt = await startRuntime({
    port: port('PORT', DEFAULT_PORTS.api),
    dynamoPort: port('LETHE_DYNAMODB_PORT', DEFAULT_PORTS.dynamodb),
    s3Port: port('LETHE_S3_PORT', DEFAULT_PORTS.s3),
    log: (l) => console.log(l),
  });
  const e = rt.endpoints;
  // The demo shop: a page on its own origin with the browser agent, sending to the demo account
  // (docs/browser-agent.md).
  const demo = await startDemoShop({
    apiBase: e.api,
    dataDir: e.dataDir,
    port: port('LETHE_DEMO_PORT', DEFAULT_PORTS.demo),
  });
  e.demo = demo.url;
  fs.writeFileSync(path.join(e.dataDir, 'endpoints.json'), JSON.stringify(e, null, 2), { mode: 0o600 });
  console.log(`Lethe is running locally on Node ${process.version} (region ${e.region}, data in ${e.dataDir})`);
  console.log(`  API          ${e.api}   (GET ${e.api}/health)`);
  console.log(`  DynamoDB     ${e.dynamodb}`);
  console.log(`  S3           ${e.s3}`);
  console.log(`  StepFunctions ${e.stepfunctions}`);
  for (const [id, arn] of Object.entries(e.stateMachines))
    console.log(`    ${id.replace(/StateMachine[0-9A-F]+$/, '')}  ${arn}`);
  console.log(
    `  AWS credentials (S3 and Step Functions check them): AWS_ACCESS_KEY_ID=${e.credentials.accessKeyId}, secret in ${e.dataDir}/auth/aws-credentials.json`,
  );
  console.log(`  Outbox       ${e.outbox}`);
  console.log(
    `  Demo shop    ${demo.url}   (account ${demo.account.accountId}; sign in as ${DEMO_USER}, click around,`,
  );
  console.log(
    `               then find ${DEMO_USER} in ${e.api}/console: sign in as dpo@demo-shop.test with the temporary`,
  );
  console.log(
    `               password of its invitation in the outbox, or open the fold with ${e.dataDir}/auth/admin.token)`,
  );
  console.log(`  Tables       ${rt.tables.join(', ')}`);
  console.log(`  Buckets      ${rt.buckets.join(', ')}`);
  console.log(`Endpoints written to ${e.dataDir}/endpoints.json. Ctrl-C stops.`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    // while the engines go down, a late failure of work still in flight (an invocation, a queue poll) is reported,
    // not allowed to turn a clean stop into a crash: every closer runs, and the data is kept
    const late = (e: unknown) => console.error(`while stopping: ${(e as Error)?.message ?? String(e)}`);
    process.on('unhandledRejection', late);
    process.on('uncaughtException', late);
    await demo.close();
    await rt.stop();
    console.log('stopped; data kept.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (e) {
  console.error(`lethe: could not start: ${(e as Error).message}`);
  process.exit(1);
}

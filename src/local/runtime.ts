import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { type Clock, systemClock } from '#core/clock.ts';
import { usePlatform } from '#adapters/platform.ts';
import { fixedDays } from '#core/data-map.ts';
import { localPlatform } from '#wiring/local.ts';
import { IRELAND } from '#core/region.ts';
import { writeBootstrapToken } from '#adapters/auth.ts';
import { apiFromTemplate, createApiServer } from './apigw.ts';
import { type LocalCredentials, localCredentials } from './credentials.ts';
import { createBuckets, createTables, dynamoClient, listen, s3Client, startDynamo, startS3 } from './engines.ts';
import { Resolver } from './intrinsics.ts';
import { repairIndexes } from './repair.ts';
import { applyEnvironment, functionsOf, LocalLambdas } from './lambdas.ts';
import { LocalSqs, mappingsOf, queuesOf } from './sqs.ts';
import { LocalUserPools, userPoolsOf } from './cognito.ts';
import { outboxMailer } from '#adapters/mailer.ts';
import { LocalStepFunctions, machinesOf } from './stepfunctions.ts';
import {
  lifecycleRulesOf,
  schedulesOf,
  sweepFolder,
  sweepJsonLines,
  sweepLifecycle,
  sweepTtl,
  ttlTablesOf,
} from './sweepers.ts';
import { type CloudModel, synthesize } from './template.ts';

export interface RuntimeOptions {
  dataDir?: string;
  host?: string;
  /** 0 picks a free port */
  port?: number;
  dynamoPort?: number;
  s3Port?: number;
  clock?: Clock;
  /** background sweepers and schedules (TTL, lifecycle, EventBridge rules); tests turn them off and call them */
  background?: boolean;
  sweepEveryMs?: number;
  /** Step Functions Retry intervals in ms (tests use a few ms) */
  retryIntervalMs?: number;
  /** Step Functions Wait states in ms (tests shorten them; `npm start` keeps the definition's) */
  waitMs?: number;
  /** SQS visibility timeouts in ms (tests shorten them; `npm start` keeps the queues') */
  visibilityMs?: number;
  log?: (line: string) => void;
}

export interface Endpoints {
  api: string;
  dynamodb: string;
  s3: string;
  stepfunctions: string;
  sqs: string;
  /** the local Cognito user pools (the SDK's endpoint; `<endpoint>/<poolId>` is each pool's token issuer) */
  cognito: string;
  /** logical id → id of every user pool and app client */
  userPools: Record<string, string>;
  userPoolClients: Record<string, string>;
  region: string;
  /** what the AWS CLI and SDKs sign with locally (S3 and Step Functions check it; dynalite accepts any) */
  credentials: LocalCredentials;
  /** logical id → ARN of every state machine (the erasure workflow among them) */
  stateMachines: Record<string, string>;
  /** logical id → URL of every queue */
  queues: Record<string, string>;
  dataDir: string;
  outbox: string;
  /** the demo shop with the browser agent (`npm start` only; src/local/demo.ts) */
  demo?: string;
}

export interface Runtime {
  endpoints: Endpoints;
  lambdas: LocalLambdas;
  stepFunctions: LocalStepFunctions;
  sqs: LocalSqs;
  userPools: LocalUserPools;
  dynamo: DynamoDBClient;
  s3: S3Client;
  tables: string[];
  buckets: string[];
  /** DynamoDB TTL (then the engine's files are compacted) */
  sweepTtl(): Promise<number>;
  /** S3 lifecycle rules, the outbox and execution histories past their retention (docs/data-map.md) */
  sweepLifecycle(): Promise<number>;
  /** rewrites dynalite's files so deleted values leave the disk (also after each erasure and on stop) */
  compact(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The background work AWS does by itself: TTL, lifecycle rules and the EventBridge schedules, as timers; and the
 * executions a crash interrupted, resumed. Returns what stops them.
 */
function startBackground(
  runtime: Runtime,
  model: CloudModel,
  everyMs: number,
  log: (line: string) => void,
): () => Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  const guarded = (name: string, f: () => Promise<unknown>) => () => {
    f().catch((e: unknown) => log(`[${name}] ${(e as Error).message}`));
  };
  timers.push(setInterval(guarded('ttl-sweeper', runtime.sweepTtl), everyMs));
  timers.push(setInterval(guarded('lifecycle-sweeper', runtime.sweepLifecycle), everyMs));
  const { lambdas } = runtime;
  for (const s of schedulesOf(model, (id) => (lambdas.has(id) ? lambdas.get(id).arn : undefined))) {
    // a scheduled job may delete (the retention auditor): its deletions leave the disk too
    const job = async () => {
      if (s.stateMachine) {
        const started = runtime.stepFunctions.start(s.stateMachine, undefined, JSON.stringify(s.input ?? {}));
        await runtime.stepFunctions.wait(started.executionArn);
      } else
        await lambdas.invoke(s.functionArn!, s.input ?? { source: 'aws.events', 'detail-type': 'Scheduled Event' });
      await runtime.compact();
    };
    timers.push(setInterval(guarded(s.rule, job), s.everyMs));
  }
  for (const t of timers) t.unref();
  const resumed = runtime.stepFunctions.resumeInterrupted();
  if (resumed.length) log(`resumed ${resumed.length} interrupted execution(s)`);
  return async () => timers.forEach(clearInterval);
}

function lockDown(dir: string): void {
  fs.chmodSync(dir, 0o700);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) lockDown(p);
    else if (e.isFile()) fs.chmodSync(p, 0o600);
  }
}

/**
 * The local API: API Gateway from the template, plus the Step Functions and SQS endpoints the SDKs and CLI call.
 * On stop it lets every execution and invocation end before the engines go.
 */
async function serveApi(
  model: CloudModel,
  parts: { lambdas: LocalLambdas; stepFunctions: LocalStepFunctions; sqs: LocalSqs; userPools: LocalUserPools },
  port: number,
  host: string,
  closers: Array<() => Promise<void>>,
): Promise<string> {
  const { lambdas, stepFunctions, sqs, userPools } = parts;
  const server = createApiServer({
    api: apiFromTemplate(model, (id) => lambdas.get(id).arn),
    lambdas,
    extra: async (req, body, res) =>
      (await stepFunctions.handleHttp(req, body, res)) ||
      (await sqs.handleHttp(req, body, res)) ||
      (await userPools.handleHttp(req, body, res)),
  });
  await listen(server, port, host, 'local API');
  closers.push(async () => {
    await sqs.stop();
    await stepFunctions.drain();
    // a stopped execution's task may still be running: the engines stay up until every invocation returns
    await lambdas.drain();
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  });
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

/**
 * Everything the runtime writes (tables, objects, outbox, keys, user pools, executions) is for this user only:
 * folders 0700, files 0600, including what an older version left with wider modes.
 */
function prepareDataDir(dataDir: string) {
  process.umask(0o077);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  lockDown(dataDir);
  const outbox = path.join(dataDir, 'outbox');
  fs.mkdirSync(outbox, { recursive: true });
  return { credentials: localCredentials(dataDir), outbox };
}

export const DEFAULT_PORTS = { api: 3000, dynamodb: 4567, s3: 4568, demo: 3001 };

/**
 * Boots Lethe on this machine: dynalite, s3rver, tables and buckets from the synthesized template,
 * the local API Gateway, the state machines, sweepers and schedules. Data lives under dataDir.
 */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const dataDir = path.resolve(options.dataDir ?? process.env.LETHE_DATA_DIR ?? '.lethe');
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => {});
  const { credentials, outbox } = prepareDataDir(dataDir);

  const model = synthesize();
  const resolver = new Resolver(model);
  const closers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    const ddbEngine = await startDynamo(dataDir, options.dynamoPort ?? DEFAULT_PORTS.dynamodb, host);
    closers.push(ddbEngine.close);
    const s3Engine = await startS3(dataDir, options.s3Port ?? DEFAULT_PORTS.s3, credentials, host);
    closers.push(s3Engine.close);
    const dynamo = dynamoClient(ddbEngine.endpoint, credentials);
    const s3 = s3Client(s3Engine.endpoint, credentials);
    closers.push(async () => {
      dynamo.destroy();
      s3.destroy();
    });
    const tables = await createTables(model, dynamo);
    // An unclean stop (crash, SIGKILL) leaves the running marker behind: repair what dynalite may have half-written.
    const marker = path.join(dataDir, 'running.pid');
    if (fs.existsSync(marker) || fs.readdirSync(dataDir).some((f) => f.startsWith('repair-')))
      await repairIndexes(model, dynamo, dataDir, log);
    fs.writeFileSync(marker, String(process.pid));
    closers.push(async () => fs.rmSync(marker, { force: true }));
    const buckets = await createBuckets(model, s3);

    const fns = functionsOf(model, resolver);
    const lambdas = new LocalLambdas(fns);
    // an erasure's removals leave the disk when it ends (LevelDB keeps old values until it compacts)
    const { retryIntervalMs, waitMs, visibilityMs } = options;
    const onExecutionEnd = () => ddbEngine.compact();
    const stepFunctions = new LocalStepFunctions(machinesOf(model, resolver), lambdas, {
      ...{ dataDir, credentials, retryIntervalMs, waitMs, onExecutionEnd },
    });
    const sqs = new LocalSqs(queuesOf(model, resolver), mappingsOf(model, resolver), lambdas, {
      ...{ dataDir, credentials, visibilityMs },
    });

    const endpointOf = { url: '' };
    const userPools = new LocalUserPools(userPoolsOf(model, resolver), {
      dataDir,
      credentials,
      // Cognito's own mail (invitations, reset codes) lands in the outbox like Lethe's
      sendMail: outboxMailer(outbox),
      endpoint: () => endpointOf.url,
      nowMs: () => clock.nowMs(),
    });

    const apiUrl = await serveApi(
      model,
      { lambdas, stepFunctions, sqs, userPools },
      options.port ?? DEFAULT_PORTS.api,
      host,
      closers,
    );
    endpointOf.url = apiUrl;
    const endpoints: Endpoints = {
      api: apiUrl,
      dynamodb: ddbEngine.endpoint,
      s3: s3Engine.endpoint,
      stepfunctions: apiUrl,
      sqs: apiUrl,
      cognito: apiUrl,
      ...userPools.ids(),
      region: IRELAND,
      credentials,
      stateMachines: Object.fromEntries(stepFunctions.list().map((m) => [m.logicalId, m.arn])),
      queues: Object.fromEntries(queuesOf(model, resolver).map((q) => [q.logicalId, q.url])),
      dataDir,
      outbox,
    };

    // The platform ports on the data folder (keys, outbox, alerts, exports), installed before any handler runs;
    // the handlers create their SDK clients from the environment, exactly as on AWS (plus local endpoints).
    usePlatform(localPlatform(dataDir));
    applyEnvironment(fns, {
      AWS_REGION: IRELAND,
      AWS_DEFAULT_REGION: IRELAND,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: ddbEngine.endpoint,
      AWS_ENDPOINT_URL_S3: s3Engine.endpoint,
      AWS_ENDPOINT_URL_SFN: apiUrl,
      AWS_ENDPOINT_URL_SQS: apiUrl,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: apiUrl,
      // the API's own URL is known once it listens (on AWS, the stage's URL)
      CONSOLE_URL: `${apiUrl}/console`,
      // the functions log warnings and errors only (the runtime's own output stays readable)
      LETHE_LOG_LEVEL: process.env.LETHE_LOG_LEVEL ?? 'WARN',
    });
    fs.writeFileSync(path.join(dataDir, 'endpoints.json'), JSON.stringify(endpoints, null, 2), { mode: 0o600 });
    await writeBootstrapToken(dataDir);
    // Lambda's event source mappings poll their queues once the functions have their environment
    sqs.start();

    const ttl = ttlTablesOf(model);
    const lifecycle = lifecycleRulesOf(model);
    const runtime: Runtime = {
      endpoints,
      lambdas,
      stepFunctions,
      sqs,
      userPools,
      dynamo,
      s3,
      tables,
      buckets,
      sweepTtl: async () => {
        const deleted = await sweepTtl(dynamo, ttl, clock);
        if (deleted) await ddbEngine.compact();
        return deleted;
      },
      sweepLifecycle: async () =>
        (await sweepLifecycle(s3, lifecycle, clock)) +
        sweepFolder(outbox, fixedDays('mail.sent'), clock) +
        sweepJsonLines(path.join(dataDir, 'alerts.jsonl'), fixedDays('topic.operators'), clock) +
        stepFunctions.prune(clock.nowMs(), fixedDays('executions.erasure')),
      compact: ddbEngine.compact,
      stop,
    };

    if (options.background ?? true) closers.push(startBackground(runtime, model, options.sweepEveryMs ?? 60_000, log));
    return runtime;
  } catch (e) {
    await stop();
    throw e;
  }
}

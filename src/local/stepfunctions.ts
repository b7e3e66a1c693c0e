import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { IRELAND } from '#core/region.ts';
import type { LocalCredentials } from './credentials.ts';
import { serveJsonProtocol } from './json-protocol.ts';
import { arnOf, LOCAL_ACCOUNT, type Resolver } from './intrinsics.ts';
import type { LocalLambdas } from './lambdas.ts';
import { type CloudModel, resources } from './template.ts';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate?: number;
}

export interface LocalMachine {
  logicalId: string;
  arn: string;
  definition: any;
}

/** One event of an execution's history, in the shape GetExecutionHistory answers (dates in epoch seconds). */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

/** aws-local-stepfunctions' event log entry → the AWS history event it stands for (undefined: none). */
function historyEventOf(ev: any): Omit<HistoryEvent, 'id' | 'previousEventId' | 'timestamp'> | undefined {
  const json = (v: unknown) => JSON.stringify(v ?? null);
  const cause = (c: unknown) => (typeof c === 'string' ? c : c instanceof Error ? c.message : json(c));
  switch (ev.type) {
    case 'ExecutionStarted':
      return { type: 'ExecutionStarted', executionStartedEventDetails: { input: json(ev.input), roleArn: '' } };
    case 'ExecutionSucceeded':
      return { type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: json(ev.output) } };
    case 'ExecutionFailed':
      return { type: 'ExecutionFailed', executionFailedEventDetails: { error: ev.Error, cause: cause(ev.Cause) } };
    case 'ExecutionTerminated':
      return { type: 'ExecutionAborted', executionAbortedEventDetails: {} };
    case 'StateEntered':
      return {
        type: `${ev.state.type}StateEntered`,
        stateEnteredEventDetails: { name: ev.state.name, input: json(ev.state.input) },
      };
    case 'StateExited':
      return {
        type: `${ev.state.type}StateExited`,
        stateExitedEventDetails: { name: ev.state.name, output: json(ev.state.output) },
      };
    case 'StateFailed':
      return ev.state.type === 'Task'
        ? {
            type: 'TaskFailed',
            taskFailedEventDetails: {
              resourceType: 'lambda',
              resource: 'invoke',
              error: ev.Error,
              cause: cause(ev.Cause),
            },
          }
        : undefined;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return { type: ev.type, mapIterationEventDetails: { name: ev.parentState.name, index: ev.index } };
    default:
      return undefined;
  }
}

/**
 * A failed run's error and cause as strings, as DescribeExecution gives them on AWS (the Fail state's, or the task's).
 */
function failureOf(err: any): { error: string; cause: string } {
  const inner = err?.name === 'ExecutionError' && err.cause instanceof Error ? err.cause : err;
  return { error: String(inner?.name ?? 'Error'), cause: String(inner?.message ?? inner ?? '') };
}

const fault = (code: string, message: string) => Object.assign(new Error(message), { code });

export function machinesOf(model: CloudModel, resolver: Resolver): LocalMachine[] {
  return resources(model, 'AWS::StepFunctions::StateMachine').map(({ stack, id, resource }) => {
    const raw = resolver.resolve(stack, resource.Properties!.DefinitionString);
    return { logicalId: id, arn: arnOf(resource.Type, id), definition: JSON.parse(raw) };
  });
}

type TaskOverride = (input: any) => Promise<any>;

/** Maps every Lambda Task state (at any depth) to the local handler, keeping the lambda:invoke result shape. */
function overridesFor(
  definition: any,
  lambdas: LocalLambdas,
): { tasks: Record<string, TaskOverride>; retries: string[]; waits: string[] } {
  const tasks: Record<string, TaskOverride> = {};
  const retries: string[] = [];
  const waits: string[] = [];
  const walk = (states: Record<string, any>) => {
    for (const [name, s] of Object.entries(states)) {
      if (s.Retry) retries.push(name);
      if (s.Type === 'Wait') waits.push(name);
      if (s.Type === 'Task') {
        const res = String(s.Resource);
        if (res.startsWith('arn:aws:states:::lambda:invoke')) {
          tasks[name] = async (input: any) => ({
            StatusCode: 200,
            Payload: await lambdas.invoke(String(input.FunctionName), input.Payload),
          });
        } else if (lambdas.has(res) || res.startsWith('arn:aws:lambda:')) {
          tasks[name] = (input: any) => lambdas.invoke(res, input);
        } else {
          throw new Error(`local runner: task ${name} uses ${res}, which has no local implementation`);
        }
      }
      if (s.Type === 'Map') walk((s.ItemProcessor ?? s.Iterator).States);
      if (s.Type === 'Parallel') for (const b of s.Branches) walk(b.States);
    }
  };
  walk(definition.States);
  return { tasks, retries, waits };
}

export interface LocalStepFunctionsOptions {
  dataDir: string;
  /** the credentials every API call must be signed with */
  credentials: LocalCredentials;
  /** Shrink Retry intervals to this many ms (tests); undefined keeps the definition's own backoff. */
  retryIntervalMs?: number;
  /** Shrink every Wait state to this many ms (tests); undefined keeps the definition's own waits. */
  waitMs?: number;
  /** called once an execution has ended and its record is saved (the runtime compacts the engine's files) */
  onExecutionEnd?: (record: ExecutionRecord) => Promise<void>;
}

/**
 * Runs the template's state machines with aws-local-stepfunctions. Executions are recorded on disk,
 * named like on AWS (the name is unique per machine); executions interrupted by a crash are restarted
 * from the beginning on the next start (Lethe's workflows are idempotent).
 */
export class LocalStepFunctions {
  private readonly dir: string;
  private readonly machines = new Map<string, LocalMachine>();
  /** the machines exist from the runtime's start (CloudFormation creates them when it deploys) */
  private readonly createdAt = Date.now();
  /** the end-of-execution work (onExecutionEnd) still under way */
  private readonly ending = new Set<Promise<void>>();
  private readonly running = new Map<
    string,
    { done: Promise<ExecutionRecord>; abort: () => void; stopped?: { error?: string; cause?: string } }
  >();

  constructor(
    machines: LocalMachine[],
    private readonly lambdas: LocalLambdas,
    private readonly options: LocalStepFunctionsOptions,
  ) {
    for (const m of machines) {
      this.machines.set(m.arn, m);
      this.machines.set(m.logicalId, m);
    }
    this.dir = path.join(options.dataDir, 'stepfunctions');
    fs.mkdirSync(this.dir, { recursive: true });
  }

  list(): LocalMachine[] {
    return [...new Set(this.machines.values())];
  }

  private file(executionArn: string) {
    return path.join(this.dir, `${Buffer.from(executionArn).toString('base64url')}.json`);
  }

  private save(rec: ExecutionRecord) {
    const tmp = `${this.file(rec.executionArn)}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(rec));
    fs.renameSync(tmp, this.file(rec.executionArn));
  }

  describe(executionArn: string): ExecutionRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file(executionArn), 'utf8'));
    } catch {
      return undefined;
    }
  }

  all(): ExecutionRecord[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(this.dir, f), 'utf8')));
  }

  /** The execution's history so far (GetExecutionHistory), oldest first. */
  history(executionArn: string): HistoryEvent[] {
    try {
      return fs
        .readFileSync(this.eventsFile(executionArn), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  }

  private eventsFile(executionArn: string) {
    return this.file(executionArn).replace(/\.json$/, '.events.jsonl');
  }

  /** StopExecution: an execution in flight is aborted and recorded ABORTED; an ended one is left as it is. */
  stop(executionArn: string, error?: string, cause?: string): ExecutionRecord {
    const rec = this.describe(executionArn);
    if (!rec) throw fault('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    const run = this.running.get(executionArn);
    if (rec.status !== 'RUNNING') return rec;
    if (run) {
      run.stopped = { error, cause };
      run.abort();
    }
    const stopped: ExecutionRecord = { ...rec, status: 'ABORTED', error, cause, stopDate: Date.now() };
    this.save(stopped);
    return stopped;
  }

  /** StartExecution semantics: same name + same input returns the existing execution; other input conflicts. */
  start(stateMachine: string, name: string = randomUUID(), input = '{}'): ExecutionRecord {
    const machine = this.machines.get(stateMachine);
    if (!machine) throw fault('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachine}'`);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw fault('InvalidName', `Invalid Name: '${name}'`);
    try {
      JSON.parse(input);
    } catch {
      throw fault('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not valid JSON');
    }
    const executionArn = `arn:aws:states:${IRELAND}:${LOCAL_ACCOUNT}:execution:${machine.logicalId}:${name}`;
    const existing = this.describe(executionArn);
    if (existing) {
      if (existing.input === input) return existing;
      throw fault('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const rec: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      input,
      startDate: Date.now(),
    };
    this.save(rec);
    this.run(rec);
    return rec;
  }

  /** Waits for an execution started by this process to end. */
  async wait(executionArn: string): Promise<ExecutionRecord> {
    const p = this.running.get(executionArn);
    if (p) return p.done;
    const rec = this.describe(executionArn);
    if (!rec) throw new Error(`no execution ${executionArn}`);
    return rec;
  }

  /** Restarts executions that a crash left RUNNING. */
  resumeInterrupted(): ExecutionRecord[] {
    const interrupted = this.all().filter((r) => r.status === 'RUNNING' && !this.running.has(r.executionArn));
    for (const r of interrupted) this.run(r);
    return interrupted;
  }

  private run(rec: ExecutionRecord) {
    const machine = this.machines.get(rec.stateMachineArn)!;
    const { tasks, retries, waits } = overridesFor(machine.definition, this.lambdas);
    const sm = new StateMachine(machine.definition, { validationOptions: { checkPaths: false, checkArn: false } });
    const retryIntervalOverrides =
      this.options.retryIntervalMs === undefined
        ? undefined
        : Object.fromEntries(retries.map((n) => [n, this.options.retryIntervalMs!]));
    fs.rmSync(this.eventsFile(rec.executionArn), { force: true });
    const execution = sm.run(JSON.parse(rec.input), {
      overrides: {
        taskResourceLocalHandlers: tasks,
        retryIntervalOverrides,
        waitTimeOverrides:
          this.options.waitMs === undefined
            ? undefined
            : Object.fromEntries(waits.map((n) => [n, this.options.waitMs!])),
      },
      context: {
        Execution: {
          Id: rec.executionArn,
          Name: rec.name,
          Input: JSON.parse(rec.input),
          StartTime: new Date(rec.startDate).toISOString(),
          RoleArn: '',
        },
        StateMachine: { Id: machine.arn, Name: machine.logicalId },
      },
    });
    const history = this.recordHistory(rec.executionArn, execution.eventLogs);
    const done = execution.result
      .then(
        (output): ExecutionRecord => ({
          ...rec,
          status: 'SUCCEEDED',
          output: JSON.stringify(output ?? null),
          stopDate: Date.now(),
        }),
        (err: any): ExecutionRecord => {
          const stopped = this.running.get(rec.executionArn)?.stopped;
          if (stopped) return { ...rec, status: 'ABORTED', ...stopped, stopDate: Date.now() };
          const timedOut = err?.name === 'ExecutionTimeoutError';
          return {
            ...rec,
            status: timedOut ? 'TIMED_OUT' : 'FAILED',
            ...(timedOut ? { error: 'States.Timeout', cause: 'execution timed out' } : failureOf(err)),
            stopDate: Date.now(),
          };
        },
      )
      .then(async (final) => {
        await history;
        if (this.describe(rec.executionArn)?.status !== 'ABORTED') this.save(final);
        this.running.delete(rec.executionArn);
        const ended = this.describe(rec.executionArn)!;
        // what follows an execution's end (the engine's files rewritten) is awaited by drain() too
        const after = (this.options.onExecutionEnd?.(ended) ?? Promise.resolve()).catch(() => {});
        this.ending.add(after);
        await after.finally(() => this.ending.delete(after));
        return ended;
      });
    this.running.set(rec.executionArn, { done, abort: execution.abort });
  }

  /** Appends each event of the run to <execution>.events.jsonl as it happens. */
  private async recordHistory(executionArn: string, events: AsyncGenerator<any>): Promise<void> {
    const file = this.eventsFile(executionArn);
    let id = 0;
    try {
      for await (const ev of events) {
        const h = historyEventOf(ev);
        if (!h) continue;
        id++;
        fs.appendFileSync(
          file,
          `${JSON.stringify({ id, previousEventId: id - 1, timestamp: (ev.timestamp ?? Date.now()) / 1000, ...h })}\n`,
        );
      }
    } catch {
      // an aborted run ends its event log with an error; what was recorded stays
    }
  }

  /** As on AWS, a closed execution and its history are gone `days` after it stopped (90 for standard workflows). */
  prune(nowMs: number, days: number): number {
    const old = this.all().filter((r) => r.stopDate !== undefined && r.stopDate + days * 86_400_000 <= nowMs);
    for (const r of old) {
      fs.rmSync(this.file(r.executionArn), { force: true });
      fs.rmSync(this.eventsFile(r.executionArn), { force: true });
    }
    return old.length;
  }

  /** Waits for every execution in flight (used on shutdown and by tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await Promise.allSettled([...this.ending]);
  }

  /**
   * The Step Functions JSON 1.0 API, for the handlers (the real @aws-sdk/client-sfn through
   * AWS_ENDPOINT_URL_SFN) and for operators (`aws stepfunctions … --endpoint-url`). Every call must be
   * signed (SigV4) with the local credentials of endpoints.json, as on AWS.
   */
  handleHttp(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<boolean> {
    return serveJsonProtocol(req, body, res, {
      prefix: 'AWSStepFunctions',
      credentials: this.options.credentials,
      operations: this.operations,
      unknown: { type: 'UnknownOperationException', message: 'local runner does not implement' },
      defaultFault: 'ValidationException',
    });
  }

  private readonly operations: Record<string, (input: any) => unknown> = {
    StartExecution: (i) => {
      const rec = this.start(i.stateMachineArn, i.name, i.input ?? '{}');
      return { executionArn: rec.executionArn, startDate: seconds(rec.startDate) };
    },
    DescribeExecution: (i) => executionView(this.mustDescribe(i.executionArn), true),
    StopExecution: (i) => ({ stopDate: seconds(this.stop(i.executionArn, i.error, i.cause).stopDate ?? Date.now()) }),
    ListExecutions: (i) => {
      const machine = this.machineOrFault(i.stateMachineArn);
      const all = this.all()
        .filter((r) => r.stateMachineArn === machine.arn && (!i.statusFilter || r.status === i.statusFilter))
        .sort((a, b) => b.startDate - a.startDate);
      return page(
        all.map((r) => executionView(r, false)),
        'executions',
        i,
      );
    },
    GetExecutionHistory: (i) => {
      this.mustDescribe(i.executionArn);
      const events = this.history(i.executionArn);
      return page(i.reverseOrder ? events.reverse() : events, 'events', i);
    },
    ListStateMachines: (i) =>
      page(
        this.list().map((m) => ({
          stateMachineArn: m.arn,
          name: m.logicalId,
          type: 'STANDARD',
          creationDate: seconds(this.createdAt),
        })),
        'stateMachines',
        i,
      ),
    DescribeStateMachine: (i) => {
      const m = this.machineOrFault(i.stateMachineArn);
      return {
        stateMachineArn: m.arn,
        name: m.logicalId,
        status: 'ACTIVE',
        definition: JSON.stringify(m.definition),
        roleArn: '',
        type: 'STANDARD',
        creationDate: seconds(this.createdAt),
      };
    },
  };

  private mustDescribe(executionArn: string): ExecutionRecord {
    const rec = executionArn ? this.describe(executionArn) : undefined;
    if (!rec) throw fault('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return rec;
  }

  private machineOrFault(arn: string): LocalMachine {
    const m = arn ? this.machines.get(arn) : undefined;
    if (!m) throw fault('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }
}

const seconds = (ms: number) => ms / 1000;

/** An execution as DescribeExecution (with input and output) or ListExecutions (without) answers it. */
function executionView(r: ExecutionRecord, full: boolean) {
  const base = {
    executionArn: r.executionArn,
    stateMachineArn: r.stateMachineArn,
    name: r.name,
    status: r.status,
    startDate: seconds(r.startDate),
    stopDate: r.stopDate ? seconds(r.stopDate) : undefined,
  };
  return full ? { ...base, input: r.input, output: r.output, error: r.error, cause: r.cause } : base;
}

/** maxResults / nextToken paging, as the List and Get calls do it (the token is an offset here). */
function page<T>(items: T[], key: string, input: { maxResults?: number; nextToken?: string }) {
  const from = input.nextToken ? Number(input.nextToken) : 0;
  const size = input.maxResults && input.maxResults > 0 ? Math.min(input.maxResults, 1000) : 100;
  const next = from + size < items.length ? String(from + size) : undefined;
  return { [key]: items.slice(from, from + size), nextToken: next };
}

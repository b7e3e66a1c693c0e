import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { IRELAND } from '#core/region.ts';
import { arnOf, LOCAL_ACCOUNT, type Resolver } from './intrinsics.ts';
import type { LocalLambdas } from './lambdas.ts';
import { type CloudModel, resources } from './template.ts';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
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

export function machinesOf(model: CloudModel, resolver: Resolver): LocalMachine[] {
  return resources(model, 'AWS::StepFunctions::StateMachine').map(({ stack, id, resource }) => {
    const raw = resolver.resolve(stack, resource.Properties!.DefinitionString);
    return { logicalId: id, arn: arnOf(resource.Type, id), definition: JSON.parse(raw) };
  });
}

type TaskOverride = (input: any) => Promise<any>;

/** Maps every Lambda Task state (at any depth) to the local handler, keeping the lambda:invoke result shape. */
function overridesFor(definition: any, lambdas: LocalLambdas): { tasks: Record<string, TaskOverride>; retries: string[] } {
  const tasks: Record<string, TaskOverride> = {};
  const retries: string[] = [];
  const walk = (states: Record<string, any>) => {
    for (const [name, s] of Object.entries(states)) {
      if (s.Retry) retries.push(name);
      if (s.Type === 'Task') {
        const res = String(s.Resource);
        if (res.startsWith('arn:aws:states:::lambda:invoke')) {
          tasks[name] = async (input: any) => ({ StatusCode: 200, Payload: await lambdas.invoke(String(input.FunctionName), input.Payload) });
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
  return { tasks, retries };
}

export interface LocalStepFunctionsOptions {
  dataDir: string;
  /** Shrink Retry intervals to this many ms (tests); undefined keeps the definition's own backoff. */
  retryIntervalMs?: number;
}

/**
 * Runs the template's state machines with aws-local-stepfunctions. Executions are recorded on disk,
 * named like on AWS (the name is unique per machine); executions interrupted by a crash are restarted
 * from the beginning on the next start (Lethe's workflows are idempotent).
 */
export class LocalStepFunctions {
  private readonly dir: string;
  private readonly machines = new Map<string, LocalMachine>();
  private readonly running = new Map<string, Promise<ExecutionRecord>>();

  constructor(machines: LocalMachine[], private readonly lambdas: LocalLambdas, private readonly options: LocalStepFunctionsOptions) {
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
    return fs.readdirSync(this.dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(this.dir, f), 'utf8')));
  }

  /** StartExecution semantics: same name + same input returns the existing execution; other input conflicts. */
  start(stateMachine: string, name: string, input: string): ExecutionRecord {
    const machine = this.machines.get(stateMachine);
    if (!machine) throw Object.assign(new Error(`State machine does not exist: ${stateMachine}`), { code: 'StateMachineDoesNotExist' });
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw Object.assign(new Error(`Invalid execution name: ${name}`), { code: 'InvalidName' });
    const executionArn = `arn:aws:states:${IRELAND}:${LOCAL_ACCOUNT}:execution:${machine.logicalId}:${name}`;
    const existing = this.describe(executionArn);
    if (existing) {
      if (existing.input === input) return existing;
      throw Object.assign(new Error(`Execution Already Exists: '${executionArn}'`), { code: 'ExecutionAlreadyExists' });
    }
    const rec: ExecutionRecord = { executionArn, stateMachineArn: machine.arn, name, status: 'RUNNING', input, startDate: Date.now() };
    this.save(rec);
    this.run(rec);
    return rec;
  }

  /** Waits for an execution started by this process to end. */
  async wait(executionArn: string): Promise<ExecutionRecord> {
    const p = this.running.get(executionArn);
    if (p) return p;
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
    const { tasks, retries } = overridesFor(machine.definition, this.lambdas);
    const sm = new StateMachine(machine.definition, { validationOptions: { checkPaths: false, checkArn: false } });
    const retryIntervalOverrides = this.options.retryIntervalMs === undefined ? undefined : Object.fromEntries(retries.map((n) => [n, this.options.retryIntervalMs!]));
    const execution = sm.run(JSON.parse(rec.input), {
      overrides: { taskResourceLocalHandlers: tasks, retryIntervalOverrides },
      context: {
        Execution: { Id: rec.executionArn, Name: rec.name, Input: JSON.parse(rec.input), StartTime: new Date(rec.startDate).toISOString(), RoleArn: '' },
        StateMachine: { Id: machine.arn, Name: machine.logicalId },
      },
    });
    const done = execution.result.then(
      (output) => ({ ...rec, status: 'SUCCEEDED' as const, output: JSON.stringify(output ?? null), stopDate: Date.now() }),
      (err: any) => ({ ...rec, status: 'FAILED' as const, error: err?.name ?? 'Error', cause: err?.cause ?? err?.message ?? String(err), stopDate: Date.now() }),
    ).then((final) => {
      this.save(final);
      this.running.delete(rec.executionArn);
      return final;
    });
    this.running.set(rec.executionArn, done);
  }

  /** Waits for every execution in flight (used on shutdown and by tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * The Step Functions JSON 1.0 API for the calls Lethe makes (StartExecution, DescribeExecution),
   * so handlers use the real @aws-sdk/client-sfn locally (AWS_ENDPOINT_URL_SFN).
   */
  async handleHttp(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<boolean> {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string' || !target.startsWith('AWSStepFunctions.')) return false;
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(payload));
    };
    try {
      const input = JSON.parse(body.toString('utf8') || '{}');
      switch (target.slice('AWSStepFunctions.'.length)) {
        case 'StartExecution': {
          const rec = this.start(input.stateMachineArn, input.name, input.input ?? '{}');
          return send(200, { executionArn: rec.executionArn, startDate: rec.startDate / 1000 }), true;
        }
        case 'DescribeExecution': {
          const rec = this.describe(input.executionArn);
          if (!rec) return send(400, { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${input.executionArn}'` }), true;
          return send(200, { ...rec, startDate: rec.startDate / 1000, stopDate: rec.stopDate ? rec.stopDate / 1000 : undefined }), true;
        }
        default:
          return send(400, { __type: 'UnknownOperationException', message: `local runner does not implement ${target}` }), true;
      }
    } catch (e: any) {
      send(400, { __type: e.code ?? 'ValidationException', message: e.message });
      return true;
    }
  }
}

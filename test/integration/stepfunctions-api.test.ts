import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, Runtime } from '#local/runtime.ts';
import { api, bootRuntime, createAccount } from '../helpers/runtime.ts';

let rt: Runtime;
let sfn: SFNClient;
let machineArn: string;

const endpoints = (): Endpoints =>
  JSON.parse(fs.readFileSync(path.join(rt.endpoints.dataDir, 'endpoints.json'), 'utf8'));
const until = async <T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
};

beforeAll(async () => {
  // The operator's view: nothing but endpoints.json (URL, region, credentials, state machine ARNs).
  rt = await bootRuntime({ retryIntervalMs: undefined });
  const e = endpoints();
  sfn = new SFNClient({ region: e.region, endpoint: e.stepfunctions, credentials: e.credentials });
  machineArn = Object.entries(e.stateMachines).find(([id]) => id.startsWith('ErasureWorkflow'))![1];
}, 120_000);
afterAll(async () => rt?.stop());

describe('the local Step Functions API, as operators drive it', () => {
  it('lists and describes the erasure state machine named in endpoints.json', async () => {
    const list = await sfn.send(new ListStateMachinesCommand({}));
    expect(list.stateMachines?.map((m) => m.stateMachineArn)).toContain(machineArn);
    const d = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }));
    expect(d.status).toBe('ACTIVE');
    expect(Object.keys(JSON.parse(d.definition!).States)).toContain('Validate');
  });

  it('fails an execution with a bad input at once (no retries), with a string error and cause naming the field', async () => {
    const started = Date.now();
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, input: JSON.stringify({ requestId: 'nope' }) }),
    );
    // Retry intervals are the definition's own here (seconds): only an execution that is not retried ends this soon.
    const d = await until(
      () => sfn.send(new DescribeExecutionCommand({ executionArn })),
      (x) => x.status !== 'RUNNING',
      5_000,
    );
    expect(d.status).toBe('FAILED');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(d.error).toBe('InvalidErasureInput');
    expect(typeof d.cause).toBe('string');
    expect(d.cause).toMatch(/^requestId: /);
    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const types = h.events!.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionFailed');
    expect(types.filter((t) => t === 'TaskFailed')).toHaveLength(1);
    expect(h.events!.map((e) => e.id)).toEqual(h.events!.map((_, i) => i + 1));
  });

  it('lists executions newest first, filtered by status, page by page', async () => {
    for (let i = 0; i < 3; i++)
      await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: `bad-${i}`, input: '{}' }));
    await until(
      () => sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'RUNNING' })),
      (x) => x.executions!.length === 0,
    );
    const first = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'FAILED', maxResults: 2 }),
    );
    expect(first.executions).toHaveLength(2);
    expect(first.nextToken).toBeDefined();
    const rest = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: machineArn,
        statusFilter: 'FAILED',
        maxResults: 2,
        nextToken: first.nextToken,
      }),
    );
    const all = [...first.executions!, ...rest.executions!];
    expect(all.length).toBe(4);
    expect(all.map((e) => e.startDate!.getTime())).toEqual(
      all.map((e) => e.startDate!.getTime()).sort((a, b) => b - a),
    );
  });

  it("stops a running execution: ABORTED, with the operator's error and cause", async () => {
    const acc = await createAccount(rt);
    const input = {
      requestId: 'er_stoppedbyop1',
      accountId: acc.accountId,
      userKey: `${acc.accountId}#${'a'.repeat(32)}`,
      requestedBy: 'ops',
      requestedAt: Date.now(),
    };
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: 'stop-me', input: JSON.stringify(input) }),
    );
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'started by mistake' }));
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'started by mistake' });
    await rt.stepFunctions.drain();
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
  });

  it('records an erasure an operator started directly, so the API can follow it to its receipt', async () => {
    const acc = await createAccount(rt);
    const input = {
      requestId: 'er_startedbyops',
      accountId: acc.accountId,
      userKey: `${acc.accountId}#${'c'.repeat(32)}`,
      requestedBy: 'ops',
      requestedAt: Date.now(),
    };
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: input.requestId, input: JSON.stringify(input) }),
    );
    const d = await until(
      () => sfn.send(new DescribeExecutionCommand({ executionArn })),
      (x) => x.status !== 'RUNNING',
    );
    expect(d.status).toBe('SUCCEEDED');
    const status = await api(rt, 'GET', `/v1/erasures/${input.requestId}`);
    expect(status.body).toMatchObject({ status: 'completed', receipt: { requestId: input.requestId, verified: true } });
    // the machine's first state audited its own start, with who asked for it
    const audit = await api(rt, 'GET', `/v1/accounts/${acc.accountId}/audit`);
    expect(audit.body.records).toContainEqual(
      expect.objectContaining({
        actor: 'erasure-workflow',
        operation: 'erasure:request',
        subject: input.userKey,
        detail: expect.objectContaining({ step: 'started', requestId: input.requestId, requestedBy: 'ops' }),
      }),
    );
  });

  it('refuses calls that are not signed with the local credentials', async () => {
    const e = endpoints();
    const call = (headers: Record<string, string>) =>
      fetch(e.stepfunctions, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'AWSStepFunctions.ListStateMachines',
          ...headers,
        },
        body: '{}',
      });
    const unsigned = await call({});
    expect(unsigned.status).toBe(400);
    expect(((await unsigned.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');

    const wrongSecret = new SFNClient({
      region: e.region,
      endpoint: e.stepfunctions,
      credentials: { accessKeyId: e.credentials.accessKeyId, secretAccessKey: 'not-the-secret' },
      maxAttempts: 1,
    });
    await expect(wrongSecret.send(new ListStateMachinesCommand({}))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    const dummy = new SFNClient({
      region: e.region,
      endpoint: e.stepfunctions,
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await expect(
      dummy.send(new StartExecutionCommand({ stateMachineArn: machineArn, input: '{}' })),
    ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });

  it('answers the AWS CLI (list, describe, start, stop, history) with the credentials of endpoints.json', async () => {
    const e = endpoints();
    // `aws` from Debian's awscli package (.ci/run installs it), as an operator runs it
    const aws = async (...args: string[]) =>
      JSON.parse(
        (
          await promisify(execFile)(
            'aws',
            ['stepfunctions', ...args, '--endpoint-url', e.stepfunctions, '--output', 'json'],
            {
              env: {
                ...process.env,
                AWS_ACCESS_KEY_ID: e.credentials.accessKeyId,
                AWS_SECRET_ACCESS_KEY: e.credentials.secretAccessKey,
                AWS_DEFAULT_REGION: e.region,
                AWS_PAGER: '',
              },
              timeout: 60_000,
            },
          )
        ).stdout,
      );
    expect((await aws('list-state-machines')).stateMachines.map((m: any) => m.stateMachineArn)).toContain(machineArn);
    expect((await aws('describe-state-machine', '--state-machine-arn', machineArn)).status).toBe('ACTIVE');
    expect(
      (await aws('list-executions', '--state-machine-arn', machineArn, '--status-filter', 'FAILED')).executions.length,
    ).toBeGreaterThanOrEqual(4);

    // A slow worker (injected latency) keeps the execution running while the operator stops it.
    const acc = await createAccount(rt);
    const invoke = rt.lambdas.invoke.bind(rt.lambdas);
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    rt.lambdas.invoke = async (ref, event: any) =>
      event?.state?.requestId === 'er_heldbytest01' ? held.then(() => invoke(ref, event)) : invoke(ref, event);
    try {
      const input = {
        requestId: 'er_heldbytest01',
        accountId: acc.accountId,
        userKey: `${acc.accountId}#${'b'.repeat(32)}`,
        requestedBy: 'ops',
        requestedAt: Date.now(),
      };
      const { executionArn } = await aws(
        'start-execution',
        '--state-machine-arn',
        machineArn,
        '--name',
        'held',
        '--input',
        JSON.stringify(input),
      );
      expect((await aws('describe-execution', '--execution-arn', executionArn)).status).toBe('RUNNING');
      await aws('stop-execution', '--execution-arn', executionArn, '--cause', 'operator stop');
      expect(await aws('describe-execution', '--execution-arn', executionArn)).toMatchObject({
        status: 'ABORTED',
        cause: 'operator stop',
      });
      const history = await aws('get-execution-history', '--execution-arn', executionArn);
      expect(history.events[0].type).toBe('ExecutionStarted');
    } finally {
      release();
      rt.lambdas.invoke = invoke;
    }
  });
});

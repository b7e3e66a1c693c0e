import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cognito, dynamo, s3 } from '#adapters/aws.ts';
import { sendBatch } from '../../src/client/agent.ts';
import type { Runtime } from '#local/runtime.ts';
import { api, bootRuntime, createAccount, event, scanAll, waitForErasure } from '../helpers/runtime.ts';

/** Faults the embedded engines cannot produce (throttling, S3 errors), injected as SDK middleware. */
let rt: Runtime;
let acc: Awaited<ReturnType<typeof createAccount>>;

function inject(
  client: { middlewareStack: any },
  name: string,
  when: (command: string) => boolean,
  error: () => Error,
  step = 'initialize',
) {
  let fired = 0;
  client.middlewareStack.add(
    (next: any, ctx: any) => async (args: any) => {
      if (when(ctx.commandName)) {
        fired++;
        throw error();
      }
      return next(args);
    },
    { step, name },
  );
  return { fired: () => fired, remove: () => client.middlewareStack.remove(name) };
}
const throttle = () =>
  Object.assign(new Error('Throughput exceeds the current capacity'), {
    name: 'ProvisionedThroughputExceededException',
    $metadata: { httpStatusCode: 400 },
  });
const s3Down = () =>
  Object.assign(new Error('We encountered an internal error. Please try again.'), {
    name: 'InternalError',
    $metadata: { httpStatusCode: 500 },
  });

beforeAll(async () => {
  rt = await bootRuntime();
  acc = await createAccount(rt);
});
afterAll(async () => rt?.stop());

describe('DynamoDB throttling during ingest', () => {
  it('answers 503 with Retry-After, acknowledges nothing, and the agent’s retry stores every event once', async () => {
    const events = Array.from({ length: 80 }, (_, i) => event(acc.applicationId, { id: `thr-${i}` }));
    const fault = inject(dynamo(), 'ingestThrottle', (c) => c === 'BatchWriteItemCommand', throttle);
    const first = await sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, events, {
      maxAttempts: 1,
    });
    expect(first.status).toBe(503);
    expect(first.body.error).toBe('unavailable');
    expect(fault.fired()).toBeGreaterThan(0);
    fault.remove();
    const retry = await sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, events);
    expect(retry.status).toBe(200);
    const stored = (await scanAll(rt, 'Interactions')).filter((i) => String(i.eventId).startsWith('thr-'));
    expect(stored).toHaveLength(80);
  });

  it('the agent keeps retrying through a short outage and gets its batch stored', async () => {
    let left = 3;
    const fault = inject(dynamo(), 'shortOutage', (c) => c === 'BatchWriteItemCommand' && left-- > 0, throttle);
    const r = await sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, [
      event(acc.applicationId, { id: 'outage-1' }),
    ]);
    fault.remove();
    expect(r.status).toBe(200);
    expect(r.attempts).toBeGreaterThan(1);
  });
});

describe('S3 errors', () => {
  it('during an erasure: the ledger write is retried by the state machine and the erasure completes', async () => {
    await sendBatch(
      { endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret },
      Array.from({ length: 20 }, () => event(acc.applicationId, { userId: 's3-fault' })),
    );
    let left = 2;
    const fault = inject((await s3()).client, 'ledgerDown', (c) => c === 'PutObjectCommand' && left-- > 0, s3Down);
    const started = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/erasures`, { userId: 's3-fault' });
    const status = await waitForErasure(rt, started.body.requestId).finally(() => fault.remove());
    expect(fault.fired()).toBe(2);
    expect(status.status).toBe('completed');
  }, 60_000);

  it('during a backup export: the API answers 503 (retry later) instead of reporting a backup that was not written', async () => {
    const fault = inject((await s3()).client, 'exportDown', (c) => c === 'PutObjectCommand', s3Down);
    const r = await api(rt, 'POST', '/v1/backups');
    fault.remove();
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('2');
  });
});

describe('Cognito busy or failing (issue 21)', () => {
  const busy = () =>
    Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 400 } });

  it('a throttled sign-in answers 503 with Retry-After, and works again after', async () => {
    const { client } = await cognito();
    const fault = inject(client, 'cognito-busy', (c) => c === 'InitiateAuthCommand', busy);
    try {
      const r = await api(rt, 'POST', '/v1/session', { email: 'admin@acme.test', password: 'Whatever-1-Pass' }, 'none');
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBeTruthy();
      expect(fault.fired()).toBe(1);
    } finally {
      fault.remove();
    }
    const again = await api(
      rt,
      'POST',
      '/v1/session',
      { email: 'admin@acme.test', password: 'Whatever-1-Pass' },
      'none',
    );
    expect(again.status).toBe(401);
  });

  it('an account whose invitation cannot be sent is still created, and says so (the invitation can be sent again)', async () => {
    const { client } = await cognito();
    const fault = inject(client, 'cognito-down', (c) => c === 'AdminGetUserCommand', busy);
    let created;
    try {
      created = await api(rt, 'POST', '/v1/accounts', {
        name: 'No mail',
        creatorEmail: 'a@nomail.test',
        adminEmail: 'b@nomail.test',
      });
    } finally {
      fault.remove();
    }
    expect(created.status).toBe(201);
    expect(created.body.invitation).toBe('failed');
    const again = await api(rt, 'POST', `/v1/accounts/${created.body.accountId}/people`, {
      email: 'b@nomail.test',
      admin: true,
    });
    expect(again.status).toBe(201);
    expect(again.body.outcome).toBe('invited');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../src/client/agent.ts';
import type { Runtime } from '#local/runtime.ts';
import { api, bootRuntime, createAccount, event, scanAll } from '../helpers/runtime.ts';

/** Re-scrub of stored data (issue 18): a rule added today reaches what was stored yesterday. */
let rt: Runtime;
let acc: Awaited<ReturnType<typeof createAccount>>;
const stored = async () =>
  (await scanAll(rt, 'Interactions')).filter((i) => i.accountId === acc.accountId).map((i) => i.label as string);
async function finished(rescrubId: string) {
  for (;;) {
    const r = await api(rt, 'GET', `/v1/accounts/${acc.accountId}/rescrubs/${rescrubId}`);
    expect(r.status).toBe(200);
    if (r.body.status !== 'running') return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
}

beforeAll(async () => {
  rt = await bootRuntime();
  acc = await createAccount(rt);
  const day = 86_400_000;
  await sendBatch({ endpoint: rt.endpoints.api, keyId: acc.keyId, secret: acc.secret }, [
    ...Array.from({ length: 30 }, (_, i) =>
      event(acc.applicationId, { label: `Loyalty card LC-${100000 + i} scanned` }),
    ),
    event(acc.applicationId, { label: 'Loyalty card LC-999999 scanned', timestamp: Date.now() - 20 * day }),
    event(acc.applicationId, { label: 'Nothing personal here' }),
  ]);
});
afterAll(async () => rt?.stop());

describe('lethe rescrub: the current rules applied to what is stored', () => {
  it('after a pattern is added, leaves no stored match in the range, with a receipt of what changed (no value)', async () => {
    expect((await stored()).filter((l) => /LC-\d{6}/.test(l))).toHaveLength(31);
    const patch = await api(rt, 'PATCH', `/v1/accounts/${acc.accountId}`, {
      scrubRules: { extraPatterns: [{ name: 'loyalty-card', pattern: 'LC-\\d{6}' }] },
    });
    expect(patch.status).toBe(200);
    const from = new Date(Date.now() - 10 * 86_400_000).toISOString();
    const started = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/rescrubs`, { from });
    expect(started.status).toBe(202);
    const done = await finished(started.body.rescrubId);
    expect(done.status).toBe('succeeded');
    expect(done.receipt).toEqual({ examined: 31, changed: 30, byDetector: { 'custom:loyalty-card': 30 } });
    expect(done.keysDone).toBe(done.keys);
    expect(JSON.stringify(done)).not.toMatch(/LC-\d/);
    const after = await stored();
    expect(after.filter((l) => /LC-\d{6}/.test(l))).toEqual(['Loyalty card LC-999999 scanned']); // outside the range
    expect(after).toContain('Loyalty card {loyalty-card} scanned');
    expect(after).toContain('Nothing personal here');
    // again: nothing left to change
    const again = await finished(
      (await api(rt, 'POST', `/v1/accounts/${acc.accountId}/rescrubs`, { from })).body.rescrubId,
    );
    expect(again.receipt).toMatchObject({ examined: 31, changed: 0 });
  });

  it('checks its range, keeps to its account, and a finished job cannot be cancelled', async () => {
    const bad = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/rescrubs`, { from: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('from');
    const other = await createAccount(rt, { name: 'Other' });
    const mine = (await api(rt, 'POST', `/v1/accounts/${acc.accountId}/rescrubs`, {})).body.rescrubId;
    expect((await api(rt, 'GET', `/v1/accounts/${other.accountId}/rescrubs/${mine}`)).status).toBe(404);
    await finished(mine);
    expect((await api(rt, 'POST', `/v1/accounts/${acc.accountId}/rescrubs/${mine}/cancel`)).status).toBe(409);
  });

  it("is cancelled with the state machine's own stop", async () => {
    const id = (await api(rt, 'POST', `/v1/accounts/${acc.accountId}/rescrubs`, {})).body.rescrubId;
    const cancel = await api(rt, 'POST', `/v1/accounts/${acc.accountId}/rescrubs/${id}/cancel`);
    expect(cancel.status).toBe(200);
    expect((await finished(id)).status).toBe('cancelled');
  });
});

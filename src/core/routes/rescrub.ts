import * as z from '../zod.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { audited, guard } from '../management.ts';
import { rescrubRange } from '../rescrub.ts';
import { type ManagementRoutePorts, need, type Route } from './route.ts';
import { doc } from './shapes.ts';

const Receipt = () => z.object({ examined: z.int(), changed: z.int(), byDetector: z.record(z.string(), z.int()) });

/** The re-scrub of stored data (issue 18): start, follow and cancel the account's RescrubJob executions. */
export const rescrub: Array<Route<ManagementRoutePorts>> = [
  {
    method: 'POST',
    path: '/v1/accounts/{accountId}/rescrubs',
    fn: 'management',
    operation: 'rescrub:manage',
    status: 202,
    summary:
      "scrub the account's stored interactions again with its current rules and detectors (from, to: ISO times; by default the last 90 days)",
    response: doc(({ str }) => z.object({ rescrubId: str, status: z.literal('running'), from: str, to: str })),
    errors: [400, 404],
    run: async (p, who, r) => {
      const accountId = need(r.path.accountId, 'accountId');
      await guard(p, who, 'rescrub:manage', accountId);
      const range = rescrubRange(r.body(), p.clock.nowMs());
      if ('field' in range) throw badRequest(range.field, range.why);
      return {
        body: await audited(p, who, 'rescrub:manage', accountId, async () => {
          if (!(await p.getAccount(accountId))) throw notFound(`account ${accountId}`);
          const rescrubId = `rx_${p.newId()}`;
          await p.rescrub.startRescrub({ rescrubId, accountId, ...range });
          return {
            rescrubId,
            status: 'running' as const,
            from: new Date(range.from).toISOString(),
            to: new Date(range.to).toISOString(),
          };
        }),
      };
    },
  },
  {
    method: 'GET',
    path: '/v1/accounts/{accountId}/rescrubs/{rescrubId}',
    fn: 'management',
    operation: 'rescrub:manage',
    status: 200,
    summary: 'a re-scrub: status, progress (partition keys done) and its receipt (counts per detector, never a value)',
    response: doc(({ str, ts }) =>
      z.object({
        rescrubId: str,
        status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
        startedAt: ts,
        stoppedAt: z.optional(ts),
        keys: z.optional(z.int()),
        keysDone: z.optional(z.int()),
        receipt: z.optional(Receipt()),
      }),
    ),
    errors: [404],
    run: async (p, who, r) => ({ body: await status(p, who, r.path) }),
  },
  {
    method: 'POST',
    path: '/v1/accounts/{accountId}/rescrubs/{rescrubId}/cancel',
    fn: 'management',
    operation: 'rescrub:manage',
    status: 200,
    summary: 'stop a running re-scrub (what was already scrubbed again stays so)',
    response: doc(({ str }) => z.object({ rescrubId: str, status: z.literal('cancelled') })),
    errors: [404, 409],
    run: async (p, who, r) => {
      const s = await status(p, who, r.path);
      if (s.status !== 'running') throw conflict(`the re-scrub has ended (${s.status})`);
      await p.rescrub.stopRescrub(s.rescrubId);
      return { body: { rescrubId: s.rescrubId, status: 'cancelled' as const } };
    },
  },
];

async function status(
  p: ManagementRoutePorts,
  who: Parameters<Route<ManagementRoutePorts>['run']>[1],
  path: Record<string, string | undefined>,
) {
  const accountId = need(path.accountId, 'accountId');
  const rescrubId = need(path.rescrubId, 'rescrubId');
  return audited(p, who, 'rescrub:manage', accountId, async () => {
    const s = /^rx_[A-Za-z0-9]{1,64}$/.test(rescrubId) ? await p.rescrub.rescrubStatus(rescrubId) : undefined;
    // another account's job is not found either
    if (!s || (s.input as { accountId?: string }).accountId !== accountId) throw notFound(`re-scrub ${rescrubId}`);
    return {
      rescrubId,
      status: s.status,
      startedAt: s.startedAt,
      stoppedAt: s.stoppedAt,
      keys: s.progress?.keys,
      keysDone: s.progress?.k,
      receipt: s.progress?.receipt,
    };
  });
}

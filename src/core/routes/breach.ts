import * as z from '../zod.ts';
import { breachStatus, BreachReportSchema, notifyBreach, reportBreach } from '../breach.ts';
import { notFound } from '../errors.ts';
import { audited } from '../management.ts';
import { type BreachRoutePorts, need, type Route, type RouteRequest } from './route.ts';
import { doc } from './shapes.ts';

/** The breach function's routes (administrators). */
/** Sending continues in the same invocation for this long; the 15-minute watch and `notify` take the rest. */
const budget = (r: RouteRequest) => Math.max(1000, Math.min(20_000, (r.remainingMs ?? 25_000) - 5_000));
const Progress = () => z.object({ sent: z.int(), failed: z.int(), remaining: z.int() });

export const breach: Array<Route<BreachRoutePorts>> = [
  {
    method: 'POST',
    path: '/v1/breaches',
    fn: 'breach',
    operation: 'breach:report',
    status: 201,
    summary: 'record a personal-data breach (Art. 33(3) content) and notify every affected account (administrators)',
    request: () => BreachReportSchema,
    response: doc(({ str }) =>
      z.looseObject({
        breachId: str,
        deadline: str,
        recipients: z.int(),
        withoutContact: z.int(),
        sent: z.int(),
        remaining: z.int(),
      }),
    ),
    errors: [400],
    run: async (p, who, r) => ({
      body: await audited(p, who, 'breach:report', undefined, async () => {
        const reported = await reportBreach(p, who.sub, r.body(), p.newId);
        return { ...reported, ...(await notifyBreach(p, reported.breachId, { budgetMs: budget(r) })) };
      }),
    }),
  },
  {
    method: 'GET',
    path: '/v1/breaches/{breachId}',
    fn: 'breach',
    operation: 'breach:read',
    status: 200,
    summary: 'a breach and the state of every notification',
    response: doc(({ str }) => z.looseObject({ breachId: str, deadline: str })),
    errors: [404],
    run: async (p, who, r) => {
      const status = await audited(p, who, 'breach:read', undefined, () =>
        breachStatus(p, need(r.path.breachId, 'breachId')),
      );
      if (!status) throw notFound('breach');
      return { body: status };
    },
  },
  {
    method: 'POST',
    path: '/v1/breaches/{breachId}/notify',
    fn: 'breach',
    operation: 'breach:report',
    status: 200,
    summary: 'continue sending pending notifications now',
    response: Progress,
    errors: [],
    run: async (p, who, r) => ({
      body: await audited(p, who, 'breach:report', undefined, () =>
        notifyBreach(p, need(r.path.breachId, 'breachId'), { budgetMs: budget(r) }),
      ),
    }),
  },
];

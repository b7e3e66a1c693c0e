import * as z from '../zod.ts';
import { breachStatus, BreachReportSchema, queueNotifications, reportBreach } from '../breach.ts';
import { notFound } from '../errors.ts';
import { audited } from '../management.ts';
import { type BreachRoutePorts, need, type Route } from './route.ts';
import { doc } from './shapes.ts';

/** The breach function's routes (administrators). Notifications go out through the queue (one per recipient). */

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
        queued: z.int(),
      }),
    ),
    errors: [400],
    run: async (p, who, r) => ({
      body: await audited(p, who, 'breach:report', undefined, async () => {
        const reported = await reportBreach(p, who.sub, r.body(), p.newId);
        return { ...reported, ...(await queueNotifications(p, reported.breachId)) };
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
    summary: 'queue every notification still pending again now (the 15-minute watch does it too)',
    response: doc(({ str }) => z.object({ breachId: str, queued: z.int() })),
    errors: [],
    run: async (p, who, r) => ({
      body: await audited(p, who, 'breach:report', undefined, () =>
        queueNotifications(p, need(r.path.breachId, 'breachId')),
      ),
    }),
  },
];

import * as z from 'zod';
import { badRequest, type HttpError } from './errors.ts';
import { LIMITS } from './limits.ts';

const text = (max: number = LIMITS.maxStringLength) => z.string().max(max);
const ms = z.number().finite().nonnegative().max(86_400_000);

export const EVENT_TYPES = ['page-load', 'route-change', 'click', 'xhr', 'fetch', 'server-request', 'background-job', 'error', 'custom'] as const;
export const OUTCOMES = ['ok', 'slow', 'failed'] as const;

export const ServiceCallSchema = z.strictObject({
  url: text(),
  duration: ms,
  status: z.number().int().min(0).max(999),
});

export const EventSchema = z.strictObject({
  id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'only letters, digits and . _ : -'),
  applicationId: z.string().min(1).max(64),
  type: z.enum(EVENT_TYPES),
  /** epoch milliseconds */
  timestamp: z.number().int().positive(),
  duration: ms,
  outcome: z.enum(OUTCOMES),
  url: text().optional(),
  label: text(1024).optional(),
  error: text().optional(),
  queries: z.array(text()).max(LIMITS.maxQueriesPerEvent).optional(),
  services: z.array(ServiceCallSchema).max(LIMITS.maxServiceCallsPerEvent).optional(),
  browser: z.strictObject({ family: text(64), version: text(32) }).optional(),
  userId: z.string().min(1).max(256).optional(),
  doNotTrack: z.boolean().optional(),
});

export const BatchSchema = z.strictObject({
  events: z.array(EventSchema).min(1).max(LIMITS.maxEventsPerBatch),
});

export type AgentEvent = z.infer<typeof EventSchema>;
export type Batch = z.infer<typeof BatchSchema>;

/** `events[3].services[0].url` from zod's path. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '') || 'body';
}

/** Validates with a schema; the first problem becomes a 400 naming the field and the reason. */
export function parseOr400<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let field = fieldPath(issue.path);
  let reason = issue.message;
  if (issue.code === 'unrecognized_keys') {
    field = fieldPath([...issue.path, issue.keys[0]!]);
    reason = 'unknown field (not part of the protocol; it could carry personal data)';
  }
  return throwing(badRequest(field, reason));
}

function throwing(e: HttpError): never {
  throw e;
}

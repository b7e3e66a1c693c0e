import * as z from './zod.ts';
import { badRequest, type DomainError } from './errors.ts';
import { LIMITS } from './limits.ts';

const text = (max: number = LIMITS.maxStringLength) => z.string().check(z.maxLength(max));
const ms = z.number().check(z.nonnegative(), z.lte(86_400_000));

export const EVENT_TYPES = [
  'page-load',
  'route-change',
  'click',
  'xhr',
  'fetch',
  'server-request',
  'background-job',
  'error',
  'custom',
] as const;
export const OUTCOMES = ['ok', 'slow', 'failed'] as const;

export const ServiceCallSchema = z.strictObject({
  url: text(),
  duration: ms,
  status: z.int().check(z.gte(0), z.lte(999)),
});

export const EventSchema = z.strictObject({
  id: z
    .string()
    .check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9._:-]+$/, 'only letters, digits and . _ : -')),
  applicationId: z.string().check(z.minLength(1), z.maxLength(64)),
  type: z.enum(EVENT_TYPES),
  /** epoch milliseconds */
  timestamp: z.int().check(z.positive()),
  duration: ms,
  outcome: z.enum(OUTCOMES),
  url: z.optional(text()),
  label: z.optional(text(1024)),
  error: z.optional(text()),
  queries: z.optional(z.array(text()).check(z.maxLength(LIMITS.maxQueriesPerEvent))),
  services: z.optional(z.array(ServiceCallSchema).check(z.maxLength(LIMITS.maxServiceCallsPerEvent))),
  browser: z.optional(z.strictObject({ family: text(64), version: text(32) })),
  userId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  doNotTrack: z.optional(z.boolean()),
});

export const BatchSchema = z.strictObject({
  events: z.array(EventSchema).check(z.minLength(1), z.maxLength(LIMITS.maxEventsPerBatch)),
});

/**
 * What a browser agent may send: its public key names the application, so `applicationId` may be left out. Built on
 * first use (only the browser ingest and the OpenAPI document need it; a cold start of the others does not pay).
 */
let browserBatch: ReturnType<typeof buildBrowserBatch> | undefined;
const buildBrowserBatch = () =>
  z.strictObject({
    events: z
      .array(z.extend(EventSchema, { applicationId: z.optional(EventSchema.shape.applicationId) }))
      .check(z.minLength(1), z.maxLength(LIMITS.browserMaxEventsPerBatch)),
  });
export const browserBatchSchema = () => (browserBatch ??= buildBrowserBatch());

export type AgentEvent = z.infer<typeof EventSchema>;
export type Batch = z.infer<typeof BatchSchema>;

/** `events[3].services[0].url` from zod's path. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return (
    path.reduce<string>(
      (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
      '',
    ) || 'body'
  );
}

/** The first problem zod found, as the field path and the reason (an unknown field is named itself). */
export function firstIssue(error: { issues: ReadonlyArray<z.core.$ZodIssue> }): { field: string; reason: string } {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    return {
      field: fieldPath([...issue.path, issue.keys[0]!]),
      reason: 'unknown field (not part of the protocol; it could carry personal data)',
    };
  }
  return { field: fieldPath(issue.path), reason: issue.message };
}

/** Validates with a schema; the first problem becomes a 400 naming the field and the reason. */
export function parseOr400<T>(schema: z.ZodMiniType<T>, value: unknown): T {
  const r = z.safeParse(schema, value);
  if (r.success) return r.data;
  const { field, reason } = firstIssue(r.error);
  return throwing(badRequest(field, reason));
}

function throwing(e: DomainError): never {
  throw e;
}

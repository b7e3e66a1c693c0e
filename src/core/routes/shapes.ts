import * as z from '../zod.ts';

/**
 * The shapes the routes answer (and the documentation-only request bodies), built on first use: only the
 * OpenAPI generator needs them, so no function pays for them at cold start.
 */
function build() {
  const ts = z.int();
  const str = z.string();
  const loose = (shape: Record<string, z.ZodMiniType>) => z.looseObject(shape);
  const Application = z.object({ applicationId: str, name: str, browserKey: str, allowedOrigins: z.array(str) });
  const AccountView = loose({
    accountId: str,
    name: str,
    status: z.enum(['active', 'terminated']),
    retentionDays: z.int(),
    pseudonymise: z.boolean(),
    creatorEmail: str,
    adminEmail: str,
    noticeContacts: z.optional(z.array(str)),
    version: z.int(),
    applications: z.array(Application),
    keys: z.array(loose({ keyId: str, applicationId: str, createdAt: ts, retiresAt: z.optional(ts) })),
  });
  const Interaction = loose({
    eventId: str,
    applicationId: str,
    type: str,
    ts,
    outcome: str,
    duration: z.optional(z.number()),
    url: z.optional(str),
    label: z.optional(str),
    user: z.optional(str),
  });
  const InteractionPage = z.object({ items: z.array(Interaction), cursor: z.optional(str) });
  const ErasureRecord = loose({
    requestId: str,
    accountId: str,
    userKey: str,
    status: z.enum(['requested', 'running', 'completed', 'failed', 'cancelled']),
    receipt: z.optional(loose({ completedAt: ts, verified: z.boolean() })),
  });
  const ExportSummary = z.object({ exportId: str, tableName: str, exportTime: ts, itemCount: z.int() });
  const SearchSchema = z.strictObject({ query: z.boundedString(1, 256) });
  const RestrictSchema = z.union([
    z.strictObject({ userId: z.boundedString(1, 256), lift: z.optional(z.boolean()) }),
    z.strictObject({ userKey: str, lift: z.optional(z.boolean()) }),
  ]);
  const RestoreSchema = z.strictObject({ exportId: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,100}$/)) });
  return {
    ts,
    str,
    loose,
    Application,
    AccountView,
    Interaction,
    InteractionPage,
    ErasureRecord,
    ExportSummary,
    SearchSchema,
    RestrictSchema,
    RestoreSchema,
  };
}

let built: ReturnType<typeof build> | undefined;
export const shapes = () => (built ??= build());

/** A documentation thunk over the shared shapes: `doc(({ str }) => z.object({ id: str }))`. */
export const doc =
  <T>(f: (s: ReturnType<typeof build>) => T) =>
  (): T =>
    f(shapes());

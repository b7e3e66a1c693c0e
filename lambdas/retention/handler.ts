import '#wiring/aws.ts';
import middy from '@middy/core';
import { retentionPorts } from '#adapters/retention-store.ts';
import { flushMetrics, observed } from '#adapters/observability.ts';
import { type RetentionAction, retentionSteps } from '#core/retention-audit.ts';

/** The RetentionAudit state machine's worker: one step per invocation, chosen by the state's `action`. */
const run = async (event: { action: RetentionAction; state: unknown }) => {
  const step = retentionSteps[event.action] as
    ((p: typeof retentionPorts, state: unknown) => Promise<unknown>) | undefined;
  if (!step) throw new Error(`unknown retention action ${String(event.action)}`);
  const out = await step(retentionPorts, event.state ?? {});
  await flushMetrics();
  return out;
};

/** With the Lambda context and correlation id in its logs, and traced (src/adapters/observability.ts). */
export const handler = observed(middy(run), { traceAwsCalls: true });

import '#wiring/aws.ts';
import middy from '@middy/core';
import { observed } from '#adapters/observability.ts';
import { erasurePorts } from '#adapters/erasure-store.ts';
import { type ErasureAction, erasureSteps } from '#core/erasure.ts';

/** The erasure state machine's worker: one step per invocation, chosen by the state's `action`. */
const run = async (event: { action: ErasureAction; state: unknown }) => {
  const step = erasureSteps[event.action] as ((p: typeof erasurePorts, state: unknown) => Promise<unknown>) | undefined;
  if (!step) throw new Error(`unknown erasure action ${String(event.action)}`);
  // each step reads the state the previous one returned (the state machine passes it on unchanged)
  return step(erasurePorts, event.state);
};

/** With the Lambda context and correlation id in its logs, and traced (src/adapters/observability.ts). */
export const handler = observed(middy(run), { traceAwsCalls: true });

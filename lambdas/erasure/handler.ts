import '#wiring/aws.ts';
import { erasurePorts } from '#adapters/erasure-store.ts';
import { type ErasureAction, erasureSteps } from '#core/erasure.ts';

/** The erasure state machine's worker: one step per invocation, chosen by the state's `action`. */
export const handler = async (event: { action: ErasureAction; state: unknown }) => {
  const step = erasureSteps[event.action] as ((p: typeof erasurePorts, state: unknown) => Promise<unknown>) | undefined;
  if (!step) throw new Error(`unknown erasure action ${String(event.action)}`);
  // each step reads the state the previous one returned (the state machine passes it on unchanged)
  return step(erasurePorts, event.state);
};

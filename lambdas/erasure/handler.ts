import '#wiring/aws.ts';
import { erasurePorts } from '#adapters/erasure-store.ts';
import { type ErasureAction, erasureSteps } from '#core/erasure.ts';

/** The erasure state machine's worker: one step per invocation, chosen by the state's `action`. */
export const handler = async (event: { action: ErasureAction; state: any }) => {
  const step = erasureSteps[event.action];
  if (!step) throw new Error(`unknown erasure action ${String(event.action)}`);
  return step(erasurePorts, event.state);
};

import '#wiring/aws.ts';
import middy from '@middy/core';
import { observed } from '#adapters/observability.ts';
import { rescrubPorts } from '#adapters/rescrub-store.ts';
import { type RescrubAction, rescrubSteps } from '#core/rescrub.ts';

/** The RescrubJob state machine's worker: one step per invocation, chosen by the state's `action`. */
const run = async (event: { action: RescrubAction; state: unknown }) => {
  const step = rescrubSteps[event.action] as ((p: typeof rescrubPorts, state: unknown) => Promise<unknown>) | undefined;
  if (!step) throw new Error(`unknown rescrub action ${String(event.action)}`);
  return step(rescrubPorts, event.state);
};

/** With the Lambda context and correlation id in its logs, and traced (src/adapters/observability.ts). */
export const handler = observed(middy(run), { traceAwsCalls: true });

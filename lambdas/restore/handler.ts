import '#wiring/aws.ts';
import middy from '@middy/core';
import { backupPorts } from '#adapters/backup-store.ts';
import { observed } from '#adapters/observability.ts';
import { type RestoreAction, restoreSteps } from '#core/backup.ts';

/** The Restore state machine's worker: one step per invocation, chosen by the state's `action`. */
const run = async (event: { action: RestoreAction; state: unknown }) => {
  const step = restoreSteps[event.action] as ((p: typeof backupPorts, state: unknown) => Promise<unknown>) | undefined;
  if (!step) throw new Error(`unknown restore action ${String(event.action)}`);
  return step(backupPorts, event.state);
};

/** With the Lambda context and correlation id in its logs, and traced (src/adapters/observability.ts). */
export const handler = observed(middy(run), { traceAwsCalls: true });

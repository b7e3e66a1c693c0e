import type { RestorePosition, RestoreStarter, RestoreStatus } from '#core/backup.ts';
import { ENV } from '#core/schema.ts';
import { executionJobs } from './execution-jobs.ts';

/** Restores run as executions of the Restore state machine, named by the restore id; their state is the progress. */
const jobs = executionJobs<RestorePosition>(ENV.restoreStateMachine, ['PrepareRestore', 'RestorePart']);

export const restoreStarter: RestoreStarter = {
  startRestore: (input) => jobs.start(input.restoreId, input),
  async restoreStatus(restoreId) {
    const s = await jobs.status(restoreId);
    return s && ({ ...s, restoreId, status: s.status === 'cancelled' ? 'failed' : s.status } satisfies RestoreStatus);
  },
};

import type { RestorePosition, RestoreStarter, RestoreStatus } from '#core/backup.ts';
import { ENV } from '#core/schema.ts';
import { env, sfn } from './aws.ts';
import { retryable } from './dynamo-errors.ts';

/** The states whose output is the restore's checkpoint (lib/stateless/jobs.ts). */
const CHECKPOINT_STATES = new Set(['PrepareRestore', 'RestorePart']);
const STATUS: Record<string, RestoreStatus['status']> = { RUNNING: 'running', SUCCEEDED: 'succeeded' };

const executionArn = (restoreId: string) =>
  `${env(ENV.restoreStateMachine).replace(':stateMachine:', ':execution:')}:${restoreId}`;

/** Restores run as executions of the Restore state machine, named by the restore id; their state is the progress. */
export const restoreStarter: RestoreStarter = {
  async startRestore(input) {
    const { sdk, client } = await sfn();
    await retryable('step functions', () =>
      client.send(
        new sdk.StartExecutionCommand({
          stateMachineArn: env(ENV.restoreStateMachine),
          name: input.restoreId,
          input: JSON.stringify(input),
        }),
      ),
    );
  },
  async restoreStatus(restoreId) {
    const { sdk, client } = await sfn();
    let run;
    try {
      run = await client.send(new sdk.DescribeExecutionCommand({ executionArn: executionArn(restoreId) }));
    } catch (e) {
      if ((e as Error).name === 'ExecutionDoesNotExist') return undefined;
      throw e;
    }
    const status: RestoreStatus = {
      restoreId,
      status: STATUS[run.status ?? ''] ?? 'failed',
      startedAt: run.startDate!.getTime(),
      stoppedAt: run.stopDate?.getTime(),
      error: run.error,
    };
    if (run.status === 'SUCCEEDED') return { ...status, progress: JSON.parse(run.output!) as RestorePosition };
    // the newest checkpoint: the output of the last restore step that ended
    const history = await client.send(
      new sdk.GetExecutionHistoryCommand({ executionArn: executionArn(restoreId), reverseOrder: true, maxResults: 50 }),
    );
    const last = history.events?.find(
      (e) => e.stateExitedEventDetails && CHECKPOINT_STATES.has(e.stateExitedEventDetails.name ?? ''),
    );
    const output = last?.stateExitedEventDetails?.output;
    return output ? { ...status, progress: JSON.parse(output) as RestorePosition } : status;
  },
};

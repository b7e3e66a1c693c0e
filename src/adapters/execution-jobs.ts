import { env, sfn } from './aws.ts';
import { retryable } from './dynamo-errors.ts';

export interface JobStatus<T> {
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt: number;
  stoppedAt?: number;
  /** the last checkpoint the state machine recorded (its output once it succeeded) */
  progress?: T;
  /** what it was started with */
  input: unknown;
  error?: string;
}

const STATUS: Record<string, JobStatus<unknown>['status']> = {
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  ABORTED: 'cancelled',
};

/**
 * A job run as executions of one state machine (its ARN in `envName`), each named by the job's id: start, status
 * with progress (the output of the last `checkpointStates` step that ended, from the execution's history), stop.
 */
export function executionJobs<T>(envName: string, checkpointStates: string[]) {
  const executionArn = (id: string) => `${env(envName).replace(':stateMachine:', ':execution:')}:${id}`;
  return {
    async start(id: string, input: unknown): Promise<void> {
      const { sdk, client } = await sfn();
      await retryable('step functions', () =>
        client.send(
          new sdk.StartExecutionCommand({ stateMachineArn: env(envName), name: id, input: JSON.stringify(input) }),
        ),
      );
    },
    async status(id: string): Promise<JobStatus<T> | undefined> {
      const { sdk, client } = await sfn();
      let run;
      try {
        run = await client.send(new sdk.DescribeExecutionCommand({ executionArn: executionArn(id) }));
      } catch (e) {
        if ((e as Error).name === 'ExecutionDoesNotExist') return undefined;
        throw e;
      }
      const status: JobStatus<T> = {
        status: STATUS[run.status ?? ''] ?? 'failed',
        startedAt: run.startDate!.getTime(),
        stoppedAt: run.stopDate?.getTime(),
        error: run.error,
        input: JSON.parse(run.input ?? '{}'),
      };
      if (run.status === 'SUCCEEDED') return { ...status, progress: JSON.parse(run.output!) as T };
      const history = await client.send(
        new sdk.GetExecutionHistoryCommand({ executionArn: executionArn(id), reverseOrder: true, maxResults: 50 }),
      );
      const last = history.events?.find(
        (e) => e.stateExitedEventDetails && checkpointStates.includes(e.stateExitedEventDetails.name ?? ''),
      );
      const output = last?.stateExitedEventDetails?.output;
      return output ? { ...status, progress: JSON.parse(output) as T } : status;
    },
    async stop(id: string): Promise<void> {
      const { sdk, client } = await sfn();
      await retryable('step functions', () =>
        client.send(
          new sdk.StopExecutionCommand({ executionArn: executionArn(id), error: 'Cancelled', cause: 'cancelled' }),
        ),
      );
    },
  };
}

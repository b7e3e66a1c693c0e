import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { ErasureAction } from '#core/erasure.ts';
import type { LetheFunction } from './constructs/lethe-function.ts';
import { workerStep, workflow } from './constructs/workflow.ts';

export interface ErasureWorkflowProps {
  worker: LetheFunction;
  /**
   * The longest an ingest request can still be writing (the ingest functions' timeout). A batch that read the
   * user's state before the tombstone may write with identity until then; the workflow waits it out before it
   * erases and verifies, so the receipt's "verified" also covers batches sent during the erasure.
   */
  inFlightIngest: Duration;
  key: kms.IKey;
  alarmTopic: sns.ITopic;
}

/**
 * The right-to-be-forgotten workflow (P11), a standard state machine. Its input and history carry only
 * the keyed hash of the identity. Each step is an idempotent action of the erasure worker; erasure of
 * linked interactions loops page by page so any history stays inside the payload and history limits.
 */
export class ErasureWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: ErasureWorkflowProps) {
    super(scope, id);
    const step = (name: string, action: ErasureAction) => workerStep(this, name, props.worker, action);

    // The execution fails with the step's own error and cause (strings), so an operator sees why at once.
    const failed = new sfn.Fail(this, 'ErasureFailed', { errorPath: '$.error', causePath: '$.cause' });
    const markFailed = new tasks.LambdaInvoke(this, 'MarkFailed', {
      lambdaFunction: props.worker,
      payload: sfn.TaskInput.fromObject({
        action: 'markFailed',
        state: { 'input.$': '$$.Execution.Input', 'error.$': '$.error' },
      }),
      outputPath: '$.Payload',
    });
    // Only an outage is retried here; an input the worker refuses fails the execution at once.
    markFailed.addRetry({ errors: ['RetryableError'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 8 });
    markFailed.next(failed);

    const validate = step('Validate', 'validate');
    const tombstone = step('WriteTombstone', 'tombstone');
    const erasePage = step('EraseLinkedPage', 'erasePage');
    const verify = step('Verify', 'verify');
    const finish = step('LedgerReceiptAndDeleteUser', 'finish');
    const notify = step('NotifyRequester', 'notify');
    for (const t of [validate, tombstone, erasePage, verify, finish, notify])
      t.addCatch(markFailed, { resultPath: '$.error' });

    const settle = new sfn.Wait(this, 'LetIndexSettle', { time: sfn.WaitTime.duration(Duration.seconds(2)) }).next(
      erasePage,
    );
    // Ingest reads the tombstone, then writes: a batch in flight is done within the ingest timeout. Wait it out
    // after the tombstone appears (before erasing) and before it goes (after completedAt).
    const inFlightWait = Duration.seconds(props.inFlightIngest.toSeconds() + 5);
    const inFlight = new sfn.Wait(this, 'AwaitInFlightIngest', { time: sfn.WaitTime.duration(inFlightWait) });
    const lateIngest = new sfn.Wait(this, 'AwaitLateIngest', { time: sfn.WaitTime.duration(inFlightWait) });
    const definition = validate
      .next(tombstone)
      .next(inFlight)
      .next(erasePage)
      .next(
        new sfn.Choice(this, 'MoreLinked?').when(sfn.Condition.booleanEquals('$.more', true), erasePage).otherwise(
          verify.next(
            new sfn.Choice(this, 'NothingLinked?')
              .when(
                sfn.Condition.booleanEquals('$.complete', true),
                lateIngest.next(finish).next(notify).next(new sfn.Succeed(this, 'Erased')),
              )
              .when(sfn.Condition.numberLessThan('$.verifyAttempts', 5), settle)
              .otherwise(
                new sfn.Pass(this, 'StillLinked', {
                  parameters: { Error: 'ErasureIncomplete', Cause: 'linked interactions remain after 5 passes' },
                  resultPath: '$.error',
                }).next(markFailed),
              ),
          ),
        ),
      );

    this.stateMachine = workflow(this, {
      definition,
      worker: props.worker,
      key: props.key,
      timeout: Duration.hours(24),
      comment: 'Lethe erasure: tombstone, remove identity from linked interactions, verify, ledger, receipt, notify',
      alarmTopic: props.alarmTopic,
      failedAlarm:
        'An erasure request failed: the requester is waiting for a receipt (P11). See the request status and the execution.',
    });
  }
}

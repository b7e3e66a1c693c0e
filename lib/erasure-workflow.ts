import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { ErasureAction } from '#core/erasure.ts';
import type { LetheFunction } from './constructs/lethe-function.ts';
import { nagResourceName } from './constructs/nag.ts';

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
    const step = (name: string, action: ErasureAction, state = sfn.JsonPath.entirePayload) => {
      const t = new tasks.LambdaInvoke(this, name, {
        lambdaFunction: props.worker,
        payload: sfn.TaskInput.fromObject({ action, state }),
        payloadResponseOnly: false,
        outputPath: '$.Payload',
        retryOnServiceExceptions: true,
      });
      // Store throttling / unavailability: back off and try again.
      t.addRetry({
        errors: ['RetryableError', 'States.Timeout'],
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 6,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return t;
    };

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

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.key,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      timeout: Duration.hours(24),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'Lethe erasure: tombstone, remove identity from linked interactions, verify, ledger, receipt, notify',
    });
    Validations.of(this.stateMachine.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, props.worker.functionArn)}:*]`,
        reason:
          'lambda:InvokeFunction on the worker and its qualified versions (CDK grants ARN and ARN:*); no other function is reachable.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery…) support no resource-level permissions.',
      },
      {
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason:
          'The state machine role holds only the policy generated for this workflow; a managed policy would be the same document, shareable by mistake.',
      },
    );

    new cloudwatch.Alarm(this, 'FailedAlarm', {
      alarmDescription:
        'An erasure request failed: the requester is waiting for a receipt (P11). See the request status and the execution.',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new actions.SnsAction(props.alarmTopic));
  }
}

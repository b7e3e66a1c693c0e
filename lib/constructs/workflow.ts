import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { LetheFunction } from './lethe-function.ts';
import { nagResourceName } from './nag.ts';

/**
 * One step of a Lethe workflow: the worker invoked with `{action, state}`, its answer the state's new payload;
 * store throttling or unavailability (RetryableError) and timeouts are retried with backoff.
 */
export function workerStep(
  scope: Construct,
  name: string,
  worker: LetheFunction,
  action: string,
  state: unknown = sfn.JsonPath.entirePayload,
): tasks.LambdaInvoke {
  const t = new tasks.LambdaInvoke(scope, name, {
    lambdaFunction: worker,
    payload: sfn.TaskInput.fromObject({ action, state }),
    payloadResponseOnly: false,
    outputPath: '$.Payload',
    retryOnServiceExceptions: true,
  });
  t.addRetry({
    errors: ['RetryableError', 'States.Timeout'],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 6,
    jitterStrategy: sfn.JitterType.FULL,
  });
  return t;
}

export interface WorkflowProps {
  definition: sfn.IChainable;
  worker: LetheFunction;
  key: kms.IKey;
  comment: string;
  timeout: Duration;
  alarmTopic: sns.ITopic;
  /** what the operators read when an execution fails */
  failedAlarm: string;
}

/**
 * A standard state machine as every Lethe workflow has it: traced, logged to an encrypted group without execution
 * data (its payloads carry hashes and counts, but a log is a copy nobody needs), and an alarm to the operators when
 * an execution fails.
 */
export function workflow(scope: Construct, props: WorkflowProps): sfn.StateMachine {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: logs.RetentionDays.ONE_MONTH,
    encryptionKey: props.key,
  });
  const machine = new sfn.StateMachine(scope, 'StateMachine', {
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    stateMachineType: sfn.StateMachineType.STANDARD,
    tracingEnabled: true,
    timeout: props.timeout,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    comment: props.comment,
  });
  Validations.of(machine.role).acknowledge(
    {
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(scope, props.worker.functionArn)}:*]`,
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
  new cloudwatch.Alarm(scope, 'FailedAlarm', {
    alarmDescription: props.failedAlarm,
    metric: machine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  }).addAlarmAction(new actions.SnsAction(props.alarmTopic));
  return machine;
}

import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as eventbridge from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '#core/schema.ts';
import type { LetheFunction } from '../constructs/lethe-function.ts';

/** Recipients mailed at once (SES's default sending rate in a production account is 14 e-mails a second). */
export const NOTIFY_CONCURRENCY = 5;
/** Deliveries of one message before it goes to the dead-letter queue (the 15-minute watch queues it again). */
export const MAX_RECEIVES = 8;

/**
 * Notifications through a queue: breach notifications (P14), one message per recipient (breach, account, role; never
 * an address), findings notices (a new kind of personal data found: account, application, field kind, detector) and
 * the daily digests (account, day),
 * consumed in batches by the notify function with partial batch responses, so a throttled recipient alone comes
 * back; after MAX_RECEIVES deliveries a message goes to the dead-letter queue, whose alarm reaches the operators.
 * The messages hold ids only (docs/data-map.md, queue.breach-notifications): SQS-managed encryption, no KMS grant to
 * the project key is needed.
 */
export class NotificationQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(
    scope: Construct,
    id: string,
    props: { producers: LetheFunction[]; consumer: LetheFunction; alarmTopic: sns.ITopic },
  ) {
    super(scope, id);
    const deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // six times the consumer's timeout, as AWS advises for an event source mapping
      visibilityTimeout: Duration.seconds(props.consumer.timeout!.toSeconds() * 6),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: MAX_RECEIVES },
    });
    // breach notifications (the breach function), findings notices (ingest) and digests (the consumer's schedule)
    for (const producer of [...props.producers, props.consumer]) {
      producer.addEnvironment(ENV.notificationQueue, this.queue.queueUrl);
      producer.role!.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
      );
    }
    new eventbridge.Rule(this, 'DigestSchedule', {
      description: 'Queues the daily digest of findings of every account that had one in the last 24 hours',
      schedule: eventbridge.Schedule.rate(Duration.days(1)),
      targets: [new targets.LambdaFunction(props.consumer, { retryAttempts: 2 })],
    });
    props.consumer.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: NOTIFY_CONCURRENCY,
      }),
    );
    new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription:
        'Breach notifications could not be delivered after 8 attempts (P14): see lethe breach status; the 15-minute watch queues them again.',
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
  }
}

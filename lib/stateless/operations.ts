import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as eventbridge from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { IRELAND } from '#core/region.ts';
import type { LetheFunctions } from './functions.ts';

/**
 * What runs on a clock and who hears about it: the schedules (daily export, breach deadline watch; the retention
 * auditor's is with its state machine, lib/stateless/jobs.ts), the alarms on Lethe's metrics, and the operators'
 * topic they go to.
 */
export class Operations extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: { functions: LetheFunctions; key: kms.IKey }) {
    super(scope, id);
    const { backup, breach } = props.functions;
    // Operators are alerted here (erasure failures, breach deadlines, retention auditor).
    this.topic = new sns.Topic(this, 'OperatorsTopic', {
      displayName: 'Lethe operators',
      masterKey: props.key,
      enforceSSL: true,
    });

    // Retention auditor (P7, P8): an hourly state machine (lib/stateless/jobs.ts); its metric alarms here.
    this.alarmOn(
      'RetentionOverdueAlarm',
      'OverdueExpiredItemsDeleted',
      Duration.hours(1),
      'Items were found more than 2 days past their expiry: DynamoDB TTL is not keeping up or is off (P7). The auditor deleted them; check the TTL setting.',
    );
    // Backups (P9): daily point-in-time export of the exported tables to the eu-west-1 backup bucket.
    this.schedule(
      'BackupSchedule',
      'Daily export of the personal-data tables to the eu-west-1 backup bucket',
      Duration.days(1),
      backup,
    );
    // Breach notification (P14): a 15-minute watch sends what is pending and escalates before the 48 h deadline.
    // ... and the special-category escalation (the notify function) alerts them too
    for (const alerting of [breach, props.functions.notify]) {
      alerting.addEnvironment('OPERATORS_TOPIC_ARN', this.topic.topicArn);
      alerting.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
      );
      // The topic is encrypted with the project key: usable only through SNS.
      alerting.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [props.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sns.${IRELAND}.amazonaws.com` } },
        }),
      );
    }
    this.schedule(
      'BreachDeadlineWatch',
      'Sends pending breach notifications and escalates those still pending 12 h before the 48 h deadline',
      Duration.minutes(15),
      breach,
    );
    this.alarmOn(
      'BreachDeadlineMissedAlarm',
      'BreachRecipientsPastDeadline',
      Duration.minutes(15),
      'CRITICAL: a breach notification is past its 48-hour deadline with recipients not notified (P14). See lethe breach status.',
    );
  }

  private schedule(id: string, description: string, rate: Duration, target: LetheFunctions[keyof LetheFunctions]) {
    new eventbridge.Rule(this, id, {
      description,
      schedule: eventbridge.Schedule.rate(rate),
      targets: [new targets.LambdaFunction(target, { retryAttempts: 2 })],
    });
  }

  /** An alarm to the operators when a Lethe metric (Powertools EMF, namespace Lethe) reaches 1 in a period. */
  private alarmOn(id: string, metricName: string, period: Duration, alarmDescription: string) {
    new cloudwatch.Alarm(this, id, {
      alarmDescription,
      metric: new cloudwatch.Metric({
        namespace: 'Lethe',
        metricName,
        dimensionsMap: { service: 'lethe' },
        statistic: 'Sum',
        period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new cwActions.SnsAction(this.topic));
  }
}

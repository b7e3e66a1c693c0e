import * as fs from 'node:fs';
import * as path from 'node:path';
import { sns } from './aws.ts';

/** Operators' alerts: the SNS topic on AWS; locally a line in <data>/alerts.jsonl. */
export async function publishAlert(subject: string, message: string, severity: 'warning' | 'critical'): Promise<void> {
  if (process.env.LETHE_LOCAL === '1') {
    fs.appendFileSync(path.join(process.env.LETHE_DATA_DIR!, 'alerts.jsonl'), `${JSON.stringify({ at: new Date().toISOString(), severity, subject, message })}\n`);
    return;
  }
  const { sdk, client } = await sns();
  await client.send(new sdk.PublishCommand({ TopicArn: process.env.OPERATORS_TOPIC_ARN, Subject: subject.slice(0, 99), Message: message, MessageAttributes: { severity: { DataType: 'String', StringValue: severity } } }));
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { sns } from './aws.ts';

export type Severity = 'warning' | 'critical';
export type PublishAlert = (subject: string, message: string, severity: Severity) => Promise<void>;

/** Operators' alerts locally: a line in <data>/alerts.jsonl (swept as the data map says). */
export const fileAlerts =
  (dataDir: string): PublishAlert =>
  async (subject, message, severity) => {
    fs.appendFileSync(
      path.join(dataDir, 'alerts.jsonl'),
      `${JSON.stringify({ at: new Date().toISOString(), severity, subject, message })}\n`,
    );
  };

/** Operators' alerts on AWS: the SNS topic. */
export const snsAlerts: PublishAlert = async (subject, message, severity) => {
  const { sdk, client } = await sns();
  await client.send(
    new sdk.PublishCommand({
      TopicArn: process.env.OPERATORS_TOPIC_ARN,
      Subject: subject.slice(0, 99),
      Message: message,
      MessageAttributes: { severity: { DataType: 'String', StringValue: severity } },
    }),
  );
};

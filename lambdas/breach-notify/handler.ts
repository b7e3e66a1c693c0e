import '#wiring/aws.ts';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { breachPorts } from '#adapters/breach-store.ts';
import { logger, observed } from '#adapters/observability.ts';
import { deliverNotification, type NotificationMessage } from '#core/breach.ts';

const valid = (m: Partial<NotificationMessage>): m is NotificationMessage =>
  typeof m.breachId === 'string' && typeof m.accountId === 'string' && (m.role === 'creator' || m.role === 'admin');

/**
 * The notification queue's consumer (a batch of up to 10 messages, one recipient each). A message whose recipient
 * must be tried again (throttled, or the store unavailable) is reported as a batch item failure: SQS redelivers only
 * that one, and after 8 receipts moves it to the dead-letter queue.
 */
const run = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const results = await Promise.all(
    event.Records.map(async (record) => {
      try {
        const message = JSON.parse(record.body) as Partial<NotificationMessage>;
        if (!valid(message)) {
          logger.error('notification message without breachId, accountId and role: dropped');
          return undefined;
        }
        // claimed elsewhere: another delivery is sending it, or died doing so (its claim goes stale): ask again later
        const outcome = await deliverNotification(breachPorts, message);
        return outcome === 'retry' || outcome === 'claimed-elsewhere' ? record.messageId : undefined;
      } catch (e) {
        logger.warn('notification not delivered, will be retried', { error: (e as Error).name });
        return record.messageId;
      }
    }),
  );
  return { batchItemFailures: results.filter((id) => id !== undefined).map((itemIdentifier) => ({ itemIdentifier })) };
};

/** With the Lambda context and correlation id in its logs, and traced (src/adapters/observability.ts). */
export const handler = observed(middy(run), { traceAwsCalls: true });

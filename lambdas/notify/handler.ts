import '#wiring/aws.ts';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { breachPorts } from '#adapters/breach-store.ts';
import { escalationPorts } from '#adapters/escalation-store.ts';
import { noticePorts, queueDigests } from '#adapters/notices-store.ts';
import { escalate } from '#core/escalation.ts';
import { logger, observed } from '#adapters/observability.ts';
import { deliverNotification, type NotificationMessage } from '#core/breach.ts';
import { deliverDigest, deliverFindingNotice, type NoticeMessage } from '#core/notices.ts';

type Message = (NotificationMessage & { type?: 'breach' }) | NoticeMessage;

const valid = (m: Partial<Message>): m is Message =>
  typeof m.accountId === 'string' &&
  (m.type === 'finding' ||
    m.type === 'digest' ||
    (typeof (m as NotificationMessage).breachId === 'string' && m.type === undefined));

/** One message: a breach notification (one recipient), a findings notice, or a day's digest. */
async function deliver(m: Message): Promise<boolean> {
  if (m.type === 'finding') return (await deliverFindingNotice(noticePorts, m), true);
  if (m.type === 'digest') return (await deliverDigest(noticePorts, m), true);
  // claimed elsewhere: another delivery is sending it, or died doing so (its claim goes stale): ask again later
  const outcome = await deliverNotification(breachPorts, m);
  return outcome !== 'retry' && outcome !== 'claimed-elsewhere';
}

/**
 * The notification queue's consumer (a batch of up to 10 messages). A message that must be tried again (throttled,
 * or the store unavailable) is reported as a batch item failure: SQS redelivers only that one, and after 8 receipts
 * moves it to the dead-letter queue. The daily schedule queues the digests and takes the special-category
 * escalation's due steps (src/core/escalation.ts).
 */
const run = async (
  event: SQSEvent | { source?: string },
): Promise<SQSBatchResponse | { digests: number; escalated: Record<string, string> }> => {
  if (!('Records' in event)) return { digests: await queueDigests(), escalated: await escalate(escalationPorts) };
  const results = await Promise.all(
    event.Records.map(async (record) => {
      try {
        const message = JSON.parse(record.body) as Partial<Message>;
        if (!valid(message)) {
          logger.error('notification message of no known type: dropped');
          return undefined;
        }
        return (await deliver(message)) ? undefined : record.messageId;
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

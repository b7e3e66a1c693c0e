import { QueryCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { systemClock } from '#core/clock.ts';
import type { RescrubPorts, StoredInteraction } from '#core/rescrub.ts';
import { ENV } from '#core/schema.ts';
import { interactionsPks, timeSortKey } from '#core/shards.ts';
import { getAccount, listApplications } from './accounts-store.ts';
import { dynamo, env } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { itemsAs } from './items.ts';

/** The rescrub worker's store: an account's interactions read by time, key by key; their scrubbed fields rewritten. */
export const rescrubPorts: RescrubPorts = {
  clock: systemClock,
  account: (accountId) => getAccount(accountId),
  async partitionKeys(accountId) {
    const apps = await listApplications(accountId);
    return apps.flatMap((a) => interactionsPks(accountId, a.applicationId));
  },
  async page(pk, from, to, start) {
    const out = await retryable('interactions', () =>
      dynamo().send(
        new QueryCommand({
          TableName: env(ENV.interactionsTable),
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: marshall({ ':pk': pk, ':from': timeSortKey(from), ':to': `${timeSortKey(to)}#~` }),
          // attribute names through placeholders: some are DynamoDB reserved words
          ExpressionAttributeNames: { '#e': 'error', '#u': 'url', '#l': 'label', '#q': 'queries', '#s': 'services' },
          ProjectionExpression: 'pk, sk, #e, #u, #l, #q, #s',
          ExclusiveStartKey: start as Record<string, AttributeValue> | undefined,
          Limit: 100,
        }),
      ),
    );
    return { items: itemsAs<StoredInteraction>(out.Items), next: out.LastEvaluatedKey };
  },
  async update(key, fields) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(fields).map(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:v${i}`] = v;
      return `#f${i} = :v${i}`;
    });
    try {
      await retryable('interactions', () =>
        dynamo().send(
          new UpdateItemCommand({
            TableName: env(ENV.interactionsTable),
            Key: marshall(key),
            UpdateExpression: `SET ${sets.join(', ')}`,
            // an item TTL or an erasure removed meanwhile stays removed
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: marshall(values),
          }),
        ),
      );
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
  },
};

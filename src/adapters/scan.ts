import { ScanCommand, type AttributeValue, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { dynamo } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { itemsAs, type Keyed } from './items.ts';

/**
 * Every item of a scan, page after page (the Accounts table's small jobs: contacts, digests, escalation; the only
 * table a function may scan, test/infra/stateless.test.ts).
 */
export async function scanEvery<T extends object>(
  what: string,
  input: Omit<ScanCommandInput, 'ExclusiveStartKey'>,
): Promise<Array<T & Keyed>> {
  const out: Array<T & Keyed> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await retryable(what, () => dynamo().send(new ScanCommand({ ...input, ExclusiveStartKey: start })));
    out.push(...itemsAs<T>(page.Items));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

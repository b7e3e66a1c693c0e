import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { tableInput } from './engines.ts';
import { physicalName } from './intrinsics.ts';
import { type CloudModel, resources } from './template.ts';

/**
 * dynalite writes a secondary index entry and the item in two steps, so a crash (SIGKILL) between them can
 * leave an index out of step with its table — something real DynamoDB never shows. After an unclean stop the
 * runtime rebuilds every table that has indexes: items are saved to a file first, the table is recreated from
 * the template, and the items are written back (a crash during the repair resumes from the file).
 */
export async function repairIndexes(
  model: CloudModel,
  client: DynamoDBClient,
  dataDir: string,
  log: (l: string) => void,
): Promise<void> {
  for (const { id, resource } of resources(model, 'AWS::DynamoDB::Table')) {
    const p = resource.Properties ?? {};
    if (!p.GlobalSecondaryIndexes?.length) continue;
    const name = physicalName(resource.Type, id);
    const file = path.join(dataDir, `repair-${name}.jsonl`);
    if (!fs.existsSync(file)) {
      const lines: string[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: name, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) lines.push(JSON.stringify(item));
        start = page.LastEvaluatedKey;
      } while (start);
      fs.writeFileSync(`${file}.tmp`, lines.join('\n'));
      fs.renameSync(`${file}.tmp`, file);
      await client.send(new DeleteTableCommand({ TableName: name })).catch(() => {});
      await waitFor(async () => !(await exists(client, name)), `${name} to be deleted`);
    }
    if (!(await exists(client, name))) {
      await client.send(new CreateTableCommand(tableInput(name, p)));
    }
    await waitFor(
      async () => (await client.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus === 'ACTIVE',
      `${name} to be active`,
    );
    const items = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    for (let i = 0; i < items.length; i += 25) {
      let req = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      while (req.length)
        req = ((await client.send(new BatchWriteItemCommand({ RequestItems: { [name]: req } }))).UnprocessedItems?.[
          name
        ] ?? []) as typeof req;
    }
    fs.unlinkSync(file);
    log(`repaired the indexes of ${name} after an unclean stop (${items.length} items)`);
  }
}

async function exists(client: DynamoDBClient, name: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return false;
    throw e;
  }
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`local runtime: timed out waiting for ${what}`);
}

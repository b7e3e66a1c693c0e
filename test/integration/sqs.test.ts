import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCredentials } from '#local/credentials.ts';
import type { LocalLambdas } from '#local/lambdas.ts';
import { type LocalQueueDef, LocalSqs } from '#local/sqs.ts';
import { tempDir } from '../helpers/runtime.ts';

/** The local SQS engine through the real AWS SDK client, with queues of its own (no function attached). */
const def = (name: string, extra: Partial<LocalQueueDef> = {}): LocalQueueDef => ({
  logicalId: name,
  name,
  arn: `arn:aws:sqs:eu-west-1:000000000000:${name}`,
  url: `https://sqs.eu-west-1.amazonaws.com/000000000000/${name}`,
  visibilityTimeoutS: 30,
  retentionS: 345_600,
  maxMessageSize: 262_144,
  ...extra,
});
const work = def('Work', { redrive: { targetArn: def('Dead').arn, maxReceiveCount: 2 } });
const dead = def('Dead');
let server: http.Server;
let client: SQSClient;
let clock = Date.now();
const dataDir = tempDir();

beforeAll(async () => {
  const sqs = new LocalSqs([work, dead], [], {} as LocalLambdas, {
    dataDir,
    credentials: localCredentials(dataDir),
    now: () => clock,
  });
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void sqs.handleHttp(req, Buffer.concat(chunks), res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new SQSClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: localCredentials(dataDir),
    useQueueUrlAsEndpoint: false,
  });
});
afterAll(() => server?.close());

const receive = async (url = work.url) =>
  (await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages ?? [];
const visible = async (url: string) =>
  Number(
    (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!
      .ApproximateNumberOfMessages,
  );

describe('the local SQS (JSON protocol, SigV4) as the SDK uses it', () => {
  it('sends, hides a received message for its visibility timeout, and deletes it by receipt handle', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: '{"n":1}' }));
    const [m] = await receive();
    expect(m!.Body).toBe('{"n":1}'); // the SDK checked its MD5 too
    expect(await receive()).toEqual([]);
    clock += 31_000;
    const [again] = await receive();
    expect(again!.MessageId).toBe(m!.MessageId);
    await client.send(new DeleteMessageCommand({ QueueUrl: work.url, ReceiptHandle: again!.ReceiptHandle }));
    clock += 31_000;
    expect(await receive()).toEqual([]);
  });

  it('moves a message received more than maxReceiveCount times to the dead-letter queue', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i++) {
      expect(await receive()).toHaveLength(1);
      clock += 31_000;
    }
    expect(await receive()).toEqual([]);
    expect(await visible(dead.url)).toBe(1);
    expect((await receive(dead.url))[0]!.Body).toBe('poison');
  });

  it('enforces what SQS enforces: message size, 10 entries a batch, a signed request, a known queue', async () => {
    await expect(
      client.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: 'x'.repeat(262_145) })),
    ).rejects.toThrow(/shorter than 262144 bytes/);
    await expect(
      client.send(
        new SendMessageBatchCommand({
          QueueUrl: work.url,
          Entries: Array.from({ length: 11 }, (_, i) => ({ Id: String(i), MessageBody: 'm' })),
        }),
      ),
    ).rejects.toThrow(/10/);
    const forged = new SQSClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'AKIAFORGED', secretAccessKey: 'nope' },
      useQueueUrlAsEndpoint: false,
    });
    await expect(forged.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: 'm' }))).rejects.toThrow(
      /security token included in the request is invalid/,
    );
    await expect(
      client.send(new SendMessageCommand({ QueueUrl: `${work.url}-nope`, MessageBody: 'm' })),
    ).rejects.toThrow(/does not exist/);
  });

  it('drops messages older than the retention period, as SQS does', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: dead.url, MessageBody: 'old' }));
    clock += 345_600_000 + 1;
    expect(await visible(dead.url)).toBe(0);
  });

  it('refuses an event source mapping whose queue hides messages for less than the function may run', () => {
    const lambdas = { get: () => ({ logicalId: 'Slow', timeoutSeconds: 60 }) } as unknown as LocalLambdas;
    expect(
      () =>
        new LocalSqs(
          [work],
          [
            {
              queueArn: work.arn,
              functionRef: 'Slow',
              batchSize: 10,
              reportBatchItemFailures: true,
              maxConcurrency: 2,
            },
          ],
          lambdas,
          { dataDir: tempDir(), credentials: localCredentials(dataDir) },
        ),
    ).toThrow(/visibility timeout \(30 s\) is less than function Slow's timeout \(60 s\)/);
  });
});

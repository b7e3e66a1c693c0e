import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import type { LocalCredentials } from './credentials.ts';
import { serveJsonProtocol } from './json-protocol.ts';
import { arnOf, queueUrlOf, type Resolver } from './intrinsics.ts';
import type { LocalLambdas } from './lambdas.ts';
import { type CloudModel, resources } from './template.ts';

/**
 * Amazon SQS for the local runtime: the template's standard queues, the JSON protocol the AWS SDK and CLI speak
 * (SigV4-signed with the local credentials), visibility timeouts, receive counts and redrive to a dead-letter queue,
 * retention, and Lambda's event source mappings (batches, partial batch responses, maximum concurrency). What SQS
 * enforces is enforced here: message size (the queue's MaximumMessageSize), 10 entries and 1 MiB per batch, and a
 * mapping whose queue's visibility timeout is shorter than the function's timeout is refused, as CloudFormation
 * refuses it. Messages are kept in <data>/sqs/<queue>.json (0600, written within 50 ms of a change and on stop), so
 * a restart loses none.
 */
export interface LocalQueueDef {
  logicalId: string;
  name: string;
  arn: string;
  url: string;
  visibilityTimeoutS: number;
  retentionS: number;
  maxMessageSize: number;
  redrive?: { targetArn: string; maxReceiveCount: number };
}

export interface EventSourceMapping {
  queueArn: string;
  functionRef: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
  maxConcurrency: number;
}

/** A queue's messages by id, in the order they were sent. */
interface LocalQueue {
  def: LocalQueueDef;
  messages: Map<string, StoredMessage>;
}

interface StoredMessage {
  id: string;
  body: string;
  md5: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  receiptHandle?: string;
}

const BATCH_ENTRIES = 10;
const BATCH_BYTES = 1_048_576;

const fault = (type: string, message: string, status = 400) => Object.assign(new Error(message), { type, status });
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

export function queuesOf(model: CloudModel, resolver: Resolver): LocalQueueDef[] {
  return resources(model, 'AWS::SQS::Queue').map(({ stack, id, resource }) => {
    const p = resolver.resolve(stack, resource.Properties ?? {});
    return {
      logicalId: id,
      name: id,
      arn: arnOf('AWS::SQS::Queue', id),
      url: queueUrlOf(id),
      visibilityTimeoutS: p.VisibilityTimeout ?? 30,
      retentionS: p.MessageRetentionPeriod ?? 345_600,
      maxMessageSize: p.MaximumMessageSize ?? 262_144,
      redrive: p.RedrivePolicy
        ? { targetArn: p.RedrivePolicy.deadLetterTargetArn, maxReceiveCount: Number(p.RedrivePolicy.maxReceiveCount) }
        : undefined,
    };
  });
}

export function mappingsOf(model: CloudModel, resolver: Resolver): EventSourceMapping[] {
  return resources(model, 'AWS::Lambda::EventSourceMapping').map(({ stack, resource }) => {
    const p = resolver.resolve(stack, resource.Properties ?? {});
    return {
      queueArn: p.EventSourceArn,
      functionRef: p.FunctionName,
      batchSize: p.BatchSize ?? 10,
      reportBatchItemFailures: (p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
      maxConcurrency: p.ScalingConfig?.MaximumConcurrency ?? 2,
    };
  });
}

export interface LocalSqsOptions {
  dataDir: string;
  credentials: LocalCredentials;
  /** Shrink every visibility timeout to this many ms (tests); undefined keeps the queues' own. */
  visibilityMs?: number;
  now?: () => number;
}

export class LocalSqs {
  private readonly queues = new Map<string, LocalQueue>();
  private readonly dir: string;
  private readonly pollers: Array<Promise<void>> = [];
  private running = true;
  private wake: Array<() => void> = [];
  private readonly now: () => number;

  constructor(
    defs: LocalQueueDef[],
    private readonly mappings: EventSourceMapping[],
    private readonly lambdas: LocalLambdas,
    private readonly options: LocalSqsOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.dir = path.join(options.dataDir, 'sqs');
    fs.mkdirSync(this.dir, { recursive: true });
    for (const def of defs) {
      let stored: StoredMessage[] = [];
      try {
        stored = JSON.parse(fs.readFileSync(this.file(def.name), 'utf8')) as StoredMessage[];
      } catch {
        // a new queue
      }
      this.queues.set(def.name, { def, messages: new Map(stored.map((m) => [m.id, m])) });
    }
    for (const m of mappings) {
      const q = this.byArn(m.queueArn);
      const fn = lambdas.get(m.functionRef);
      if (q.def.visibilityTimeoutS < fn.timeoutSeconds)
        throw new Error(
          `local runtime: queue ${q.def.name}'s visibility timeout (${q.def.visibilityTimeoutS} s) is less than function ${fn.logicalId}'s timeout (${fn.timeoutSeconds} s): AWS refuses this event source mapping`,
        );
    }
  }

  private file(name: string) {
    return path.join(this.dir, `${name}.json`);
  }

  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;

  /** Writes a changed queue to disk within 50 ms (one write for many changes), and on stop. */
  private save(name: string) {
    this.dirty.add(name);
    this.flushTimer ??= setTimeout(() => this.flush(), 50);
  }

  private flush() {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const name of this.dirty) {
      const q = this.queues.get(name)!;
      fs.writeFileSync(`${this.file(name)}.tmp`, JSON.stringify([...q.messages.values()]));
      fs.renameSync(`${this.file(name)}.tmp`, this.file(name));
    }
    this.dirty.clear();
  }

  private byArn(arn: string) {
    const q = [...this.queues.values()].find((x) => x.def.arn === arn);
    if (!q) throw new Error(`local runtime: no queue ${arn}`);
    return q;
  }

  private byUrl(url: unknown) {
    const name = typeof url === 'string' ? url.split('/').pop() : undefined;
    const q = name ? this.queues.get(name) : undefined;
    if (!q) throw fault('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
    return q;
  }

  private visibilityMs(def: LocalQueueDef, seconds = def.visibilityTimeoutS) {
    return this.options.visibilityMs ?? seconds * 1000;
  }

  /** Messages older than the queue's retention are gone, as on SQS. */
  private expire(q: LocalQueue) {
    const cutoff = this.now() - q.def.retentionS * 1000;
    for (const m of q.messages.values()) {
      if (m.sentAt > cutoff) break; // in the order sent
      q.messages.delete(m.id);
      this.save(q.def.name);
    }
  }

  send(url: string, body: string): { MessageId: string; MD5OfMessageBody: string } {
    const q = this.byUrl(url);
    if (typeof body !== 'string' || body.length === 0)
      throw fault('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body) > q.def.maxMessageSize)
      throw fault(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${q.def.maxMessageSize} bytes.`,
      );
    const m: StoredMessage = {
      id: randomUUID(),
      body,
      md5: md5(body),
      sentAt: this.now(),
      visibleAt: this.now(),
      receiveCount: 0,
    };
    q.messages.set(m.id, m);
    this.save(q.def.name);
    for (const w of this.wake.splice(0)) w();
    return { MessageId: m.id, MD5OfMessageBody: m.md5 };
  }

  /** Takes up to `max` visible messages, making them invisible; one received too often goes to the DLQ instead. */
  receive(url: string, max: number, visibilityS?: number): StoredMessage[] {
    const q = this.byUrl(url);
    this.expire(q);
    const now = this.now();
    const out: StoredMessage[] = [];
    for (const m of q.messages.values()) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      if (q.def.redrive && m.receiveCount >= q.def.redrive.maxReceiveCount) {
        const dlq = this.byArn(q.def.redrive.targetArn);
        q.messages.delete(m.id);
        dlq.messages.set(m.id, { ...m, visibleAt: now, receiptHandle: undefined });
        this.save(dlq.def.name);
        continue;
      }
      m.receiveCount++;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + this.visibilityMs(q.def, visibilityS);
      m.receiptHandle = `${m.id}.${randomUUID()}`;
      out.push(m);
    }
    this.save(q.def.name);
    return out;
  }

  delete(url: string, receiptHandle: string): void {
    const q = this.byUrl(url);
    // a handle names its message; only the latest receipt's handle deletes it
    const m = q.messages.get(String(receiptHandle).split('.')[0]!);
    if (m?.receiptHandle !== receiptHandle) return;
    q.messages.delete(m.id);
    this.save(q.def.name);
  }

  /** Approximate counts, as GetQueueAttributes gives them. */
  counts(url: string) {
    const q = this.byUrl(url);
    this.expire(q);
    const now = this.now();
    const visible = [...q.messages.values()].filter((m) => m.visibleAt <= now).length;
    return { visible, inFlight: q.messages.size - visible };
  }

  /** Starts the event source mappings: each polls its queue and invokes its function with batches. */
  start(): void {
    for (const m of this.mappings)
      for (let i = 0; i < m.maxConcurrency; i++) this.pollers.push(this.poll(m).catch(() => {}));
  }

  private async poll(m: EventSourceMapping): Promise<void> {
    const q = this.byArn(m.queueArn);
    while (this.running) {
      const batch = this.receive(q.def.url, m.batchSize);
      if (!batch.length) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, 50);
          this.wake.push(() => (clearTimeout(t), r()));
        });
        continue;
      }
      const event = {
        Records: batch.map((msg) => ({
          messageId: msg.id,
          receiptHandle: msg.receiptHandle,
          body: msg.body,
          attributes: {
            ApproximateReceiveCount: String(msg.receiveCount),
            SentTimestamp: String(msg.sentAt),
            ApproximateFirstReceiveTimestamp: String(msg.firstReceivedAt),
          },
          messageAttributes: {},
          md5OfBody: msg.md5,
          eventSource: 'aws:sqs',
          eventSourceARN: q.def.arn,
          awsRegion: q.def.arn.split(':')[3],
        })),
      };
      let failed = new Set<string>();
      try {
        const out = (await this.lambdas.invoke(m.functionRef, event)) as
          { batchItemFailures?: Array<{ itemIdentifier: string }> } | undefined;
        if (m.reportBatchItemFailures && out?.batchItemFailures)
          failed = new Set(out.batchItemFailures.map((f) => f.itemIdentifier));
      } catch {
        // the whole batch comes back after its visibility timeout
        failed = new Set(batch.map((b) => b.id));
      }
      for (const msg of batch) if (!failed.has(msg.id)) this.delete(q.def.url, msg.receiptHandle!);
    }
  }

  /** Stops polling (the runtime stops); messages stay on disk. */
  async stop(): Promise<void> {
    this.running = false;
    for (const w of this.wake.splice(0)) w();
    await Promise.allSettled(this.pollers);
    this.flush();
  }

  /** Waits until every queue with a mapping is empty, or `timeoutMs` passes (tests). */
  async idle(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const mapped = this.mappings.map((m) => this.byArn(m.queueArn));
    while (Date.now() < deadline) {
      if (mapped.every((q) => q.messages.size === 0)) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  /** The SQS JSON protocol (`X-Amz-Target: AmazonSQS.*`), SigV4-signed with the local credentials. */
  handleHttp(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<boolean> {
    return serveJsonProtocol(req, body, res, {
      prefix: 'AmazonSQS',
      credentials: this.options.credentials,
      operations: this.operations,
      unknown: { type: 'UnsupportedOperation', message: 'local SQS does not implement' },
      defaultFault: 'InvalidParameterValue',
    });
  }

  private batch(entries: unknown): Array<Record<string, any>> {
    if (!Array.isArray(entries) || entries.length === 0)
      throw fault('AWS.SimpleQueueService.EmptyBatchRequest', 'There should be at least one entry in the request.');
    if (entries.length > BATCH_ENTRIES)
      throw fault(
        'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
        'Maximum number of entries per request are 10.',
      );
    const ids = entries.map((e: any) => String(e.Id));
    if (new Set(ids).size !== ids.length)
      throw fault('AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 'Two or more batch entries have the same Id.');
    return entries as Array<Record<string, any>>;
  }

  private readonly operations: Record<string, (i: Record<string, any>) => unknown> = {
    GetQueueUrl: (i) => ({ QueueUrl: this.byUrl(i.QueueName).def.url }),
    SendMessage: (i) => this.send(i.QueueUrl, i.MessageBody),
    SendMessageBatch: (i) => {
      const entries = this.batch(i.Entries);
      const total = entries.reduce((n, e) => n + Buffer.byteLength(String(e.MessageBody ?? '')), 0);
      if (total > BATCH_BYTES)
        throw fault(
          'AWS.SimpleQueueService.BatchRequestTooLong',
          `Batch requests cannot be longer than ${BATCH_BYTES} bytes.`,
        );
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const e of entries) {
        try {
          Successful.push({ Id: e.Id, ...this.send(i.QueueUrl, e.MessageBody) });
        } catch (err: any) {
          Failed.push({ Id: e.Id, SenderFault: true, Code: err.type, Message: err.message });
        }
      }
      return { Successful, Failed };
    },
    ReceiveMessage: (i) => {
      const max = i.MaxNumberOfMessages ?? 1;
      if (max < 1 || max > 10) throw fault('InvalidParameterValue', 'MaxNumberOfMessages must be 1..10.');
      return {
        Messages: this.receive(i.QueueUrl, max, i.VisibilityTimeout).map((m) => ({
          MessageId: m.id,
          ReceiptHandle: m.receiptHandle,
          MD5OfBody: m.md5,
          Body: m.body,
          Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
        })),
      };
    },
    DeleteMessage: (i) => (this.delete(i.QueueUrl, i.ReceiptHandle), {}),
    DeleteMessageBatch: (i) => {
      const entries = this.batch(i.Entries);
      for (const e of entries) this.delete(i.QueueUrl, e.ReceiptHandle);
      return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
    },
    GetQueueAttributes: (i) => {
      const { visible, inFlight } = this.counts(i.QueueUrl);
      const q = this.byUrl(i.QueueUrl);
      return {
        Attributes: {
          QueueArn: q.def.arn,
          ApproximateNumberOfMessages: String(visible),
          ApproximateNumberOfMessagesNotVisible: String(inFlight),
          VisibilityTimeout: String(q.def.visibilityTimeoutS),
          MessageRetentionPeriod: String(q.def.retentionS),
          MaximumMessageSize: String(q.def.maxMessageSize),
        },
      };
    },
  };
}

import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { ENTRY_METADATA, PROJECT_ROOT } from '#lib/constructs/lethe-function.ts';
import { arnOf, type Resolver } from './intrinsics.ts';
import { type CloudModel, resources } from './template.ts';

export type LocalHandler = (event: unknown, context?: Partial<Context>) => Promise<any>;

export interface LocalFunction {
  logicalId: string;
  arn: string;
  entry: string;
  timeoutSeconds: number;
  environment: Record<string, string>;
}

/** Reads every function of the template: its handler source (metadata) and its resolved environment. */
export function functionsOf(model: CloudModel, resolver: Resolver): LocalFunction[] {
  return resources(model, 'AWS::Lambda::Function')
    .filter(({ resource }) => resource.Metadata?.[ENTRY_METADATA])
    .map(({ stack, id, resource }) => ({
      logicalId: id,
      arn: arnOf(resource.Type, id),
      entry: path.join(PROJECT_ROOT, resource.Metadata![ENTRY_METADATA]),
      timeoutSeconds: resource.Properties?.Timeout ?? 3,
      environment: resolver.resolve(stack, resource.Properties?.Environment?.Variables ?? {}),
    }));
}

/**
 * Merges the functions' environments into this process. Locally all functions share one process, so two
 * functions may not disagree on a variable's value (they never do: names come from one schema).
 */
export function applyEnvironment(fns: LocalFunction[], extra: Record<string, string>): void {
  const merged: Record<string, string> = {};
  for (const f of fns) {
    for (const [k, v] of Object.entries(f.environment)) {
      if (k in merged && merged[k] !== v)
        throw new Error(`local runtime: functions disagree on ${k} (${merged[k]} vs ${v})`);
      merged[k] = v;
    }
  }
  Object.assign(process.env, merged, extra);
}

/** Loads handlers lazily (like a cold start) and invokes them with a Lambda-like context. */
export class LocalLambdas {
  private readonly byArn = new Map<string, LocalFunction>();
  private readonly loaded = new Map<string, Promise<LocalHandler>>();
  /** invocations still running (a stopped execution's task goes on, as on AWS, until it returns) */
  private readonly running = new Set<Promise<unknown>>();

  constructor(fns: LocalFunction[]) {
    for (const f of fns) {
      this.byArn.set(f.arn, f);
      this.byArn.set(f.logicalId, f);
    }
  }

  /** every function of the templates */
  list(): LocalFunction[] {
    return [...new Set(this.byArn.values())];
  }

  has(ref: string): boolean {
    return this.byArn.has(ref);
  }

  get(ref: string): LocalFunction {
    const f = this.byArn.get(ref) ?? this.byArn.get(ref.split(':').pop() ?? '');
    if (!f) throw new Error(`local runtime: no function ${ref}`);
    return f;
  }

  async invoke(ref: string, event: unknown): Promise<any> {
    const f = this.get(ref);
    let h = this.loaded.get(f.logicalId);
    if (!h) {
      h = import(pathToFileURL(f.entry).href).then((m) => m.handler as LocalHandler);
      this.loaded.set(f.logicalId, h);
    }
    const handler = await h;
    const deadline = Date.now() + f.timeoutSeconds * 1000;
    const context: Partial<Context> = {
      awsRequestId: randomUUID(),
      functionName: f.logicalId,
      invokedFunctionArn: f.arn,
      memoryLimitInMB: '512',
      functionVersion: '$LATEST',
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const run = handler(event, context);
    this.running.add(run);
    void run.catch(() => {}).finally(() => this.running.delete(run));
    return run;
  }

  /** Waits until no invocation is running (the runtime stops its engines only then). */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}

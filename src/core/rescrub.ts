import type { Account } from './accounts.ts';
import type { Clock } from './clock.ts';
import type { InteractionItem } from './ingest.ts';
import { loadPatternEngine } from './scrub/patterns.ts';
import { type ScrubRules, scrub } from './scrub/engine.ts';

/**
 * Re-scrub of stored data (issue 18): the account's current rules and the current detectors applied again to every
 * stored interaction of a time range, as the RescrubJob state machine runs it (lib/stateless/jobs.ts): partition
 * key by partition key, a few pages a step, from the checkpoint the last step returned, so a retried step redoes
 * nothing wrong (scrubbing scrubbed text again changes nothing) and the job can be stopped at any step. It ends with
 * a receipt: items examined, items changed, counts per detector; never a value.
 */
export interface RescrubInput {
  rescrubId: string;
  accountId: string;
  /** the range of event times (epoch ms, inclusive) */
  from: number;
  to: number;
}

export interface RescrubReceipt {
  examined: number;
  changed: number;
  byDetector: Record<string, number>;
}

export interface RescrubPosition extends RescrubInput {
  /** how many partition keys, and the next one to read */
  keys: number;
  k: number;
  /** where in that key (the adapter's own position: a time-ordered sort key, no identity) */
  start?: unknown;
  more: boolean;
  receipt: RescrubReceipt;
}

export type StoredInteraction = Pick<InteractionItem, 'pk' | 'sk' | 'url' | 'label' | 'error' | 'queries' | 'services'>;

export interface RescrubPorts {
  clock: Clock;
  account(accountId: string): Promise<Account | undefined>;
  /** every partition key of the account's interactions, in a stable order */
  partitionKeys(accountId: string): Promise<string[]>;
  page(pk: string, from: number, to: number, start?: unknown): Promise<{ items: StoredInteraction[]; next?: unknown }>;
  /** writes the re-scrubbed fields of an item that still exists */
  update(key: { pk: string; sk: string }, fields: Partial<StoredInteraction>): Promise<void>;
}

/** The fields of one stored interaction scrubbed again: what changed, and the detectors that fired. */
export function rescrubItem(
  item: StoredInteraction,
  rules: ScrubRules,
): { fields: Partial<StoredInteraction>; detectors: string[] } {
  const fields: Partial<StoredInteraction> = {};
  const detectors: string[] = [];
  const again = (kind: Parameters<typeof scrub>[0], v: string, dropped: string) => {
    const r = scrub(kind, v, rules);
    detectors.push(...r.detectors);
    return r.value ?? dropped;
  };
  for (const [field, kind] of [
    ['url', 'url'],
    ['label', 'label'],
    ['error', 'error'],
  ] as const) {
    const v = item[field];
    if (typeof v !== 'string') continue;
    const out = again(kind, v, '{removed}');
    if (out !== v) fields[field] = out;
  }
  if (item.queries) {
    const qs = item.queries.map((q) => again('query', q, '?'));
    if (qs.some((q, i) => q !== item.queries![i])) fields.queries = qs;
  }
  if (item.services) {
    const ss = item.services.map((s) => ({ ...s, url: again('service-url', s.url, '{removed}') }));
    if (ss.some((s, i) => s.url !== item.services![i]!.url)) fields.services = ss;
  }
  return { fields, detectors };
}

/** Pages read per step: a step stays well inside the worker's timeout. */
export const RESCRUB_PAGES_PER_STEP = 20;

export const rescrubSteps = {
  async prepare(p: RescrubPorts, input: RescrubInput): Promise<RescrubPosition> {
    const keys = (await p.partitionKeys(input.accountId)).length;
    return {
      ...input,
      keys,
      k: 0,
      more: keys > 0,
      receipt: { examined: 0, changed: 0, byDetector: {} },
    };
  },

  async part(p: RescrubPorts, at: RescrubPosition, maxPages = RESCRUB_PAGES_PER_STEP): Promise<RescrubPosition> {
    const account = await p.account(at.accountId);
    if (!account) return { ...at, more: false };
    const rules: ScrubRules = { ...account.scrubRules, hashKey: account.accountKey };
    if (rules.extraPatterns?.length) await loadPatternEngine();
    const keys = await p.partitionKeys(at.accountId);
    const receipt = { ...at.receipt, byDetector: { ...at.receipt.byDetector } };
    let { k, start } = at;
    for (let pages = 0; k < keys.length && pages < maxPages; pages++) {
      const page = await p.page(keys[k]!, at.from, at.to, start);
      for (const item of page.items) {
        receipt.examined++;
        const { fields, detectors } = rescrubItem(item, rules);
        if (!Object.keys(fields).length) continue;
        await p.update({ pk: item.pk, sk: item.sk }, fields);
        receipt.changed++;
        for (const d of detectors) receipt.byDetector[d] = (receipt.byDetector[d] ?? 0) + 1;
      }
      start = page.next;
      if (start === undefined) k++;
    }
    return { ...at, k, start, more: k < keys.length, receipt };
  },
};
export type RescrubAction = keyof typeof rescrubSteps;

/** What the management API needs of the RescrubJob state machine (src/adapters/execution-jobs.ts). */
export interface RescrubJobs {
  startRescrub(input: RescrubInput): Promise<void>;
  rescrubStatus(rescrubId: string): Promise<
    | {
        status: 'running' | 'succeeded' | 'failed' | 'cancelled';
        startedAt: number;
        stoppedAt?: number;
        progress?: RescrubPosition;
        input: unknown;
        error?: string;
      }
    | undefined
  >;
  stopRescrub(rescrubId: string): Promise<void>;
}

const DAY_MS = 86_400_000;

/** A request's range: ISO times, by default the longest retention back from now; `from` not after `to`. */
export function rescrubRange(
  body: unknown,
  nowMs: number,
): { from: number; to: number } | { field: string; why: string } {
  const b = (body ?? {}) as { from?: unknown; to?: unknown };
  const time = (v: unknown, fallback: number) =>
    v === undefined ? fallback : typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : NaN;
  const from = time(b.from, nowMs - 90 * DAY_MS);
  const to = time(b.to, nowMs);
  if (Number.isNaN(from)) return { field: 'from', why: 'must be an ISO 8601 time' };
  if (Number.isNaN(to)) return { field: 'to', why: 'must be an ISO 8601 time' };
  if (from > to) return { field: 'from', why: 'is after to' };
  return { from, to };
}

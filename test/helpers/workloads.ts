// Synthetic workloads for the capacity model (src/core/capacity.ts): the test holds the key layout to DynamoDB's
// per-key limits with them, and `npm run bench -- capacity` reports the figures of docs/capacity.md.
import type { Account } from '#core/accounts.ts';
import { type IngestWorkload, simulateIngest, UnitMeter } from '#core/capacity.ts';
import type { AgentEvent } from '#core/events.ts';
import { type FindingCount, type InteractionItem, toItem } from '#core/ingest.ts';

/** A small deterministic random source (mulberry32), so a run is reproducible. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ACCOUNT: Account = {
  accountId: 'acc_0123456789abcdef',
  name: 'Largest customer',
  status: 'active',
  retentionDays: 90,
  pseudonymise: false,
  creatorEmail: 'cto@large.test',
  adminEmail: 'dpo@large.test',
  accountKey: Buffer.alloc(32, 7),
  scrubRules: {},
  createdAt: 0,
  version: 1,
};
export const APP = 'app_0123456789ab';

const PATHS = ['products', 'cart', 'checkout', 'search', 'account/orders', 'api/v2/recommendations', 'help/faq'];
const TYPES: AgentEvent['type'][] = ['page-load', 'route-change', 'click', 'fetch', 'xhr', 'error'];

/**
 * `n` events as real agents send them (URLs of 30 to 330 characters, labels, some errors and SQL), with identities
 * drawn from `users` (a share of them anonymous), run through the real ingest core (scrubbing included).
 */
export function sampleItems(n: number, users: number, seed = 1): InteractionItem[] {
  const r = random(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const findings = new Map<string, FindingCount>();
  return Array.from({ length: n }, (_, i) => {
    const type = pick(TYPES);
    const e: AgentEvent = {
      id: `s-${i}`,
      applicationId: APP,
      type,
      timestamp: 1_767_225_600_000 + i,
      duration: Math.floor(r() * 4000),
      outcome: type === 'error' ? 'failed' : r() < 0.1 ? 'slow' : 'ok',
      url: `https://shop.large.test/${pick(PATHS)}/${'x'.repeat(Math.floor(r() * 300))}?page=${i % 9}`,
      label: type === 'click' ? pick(['Add to cart', 'Checkout', 'Next page', 'Apply voucher']) : undefined,
      error: type === 'error' ? 'TypeError: cannot read properties of undefined (reading "price")' : undefined,
      queries: type === 'fetch' && r() < 0.3 ? ['SELECT id, price FROM products WHERE sku = 4711'] : undefined,
      userId: r() < 0.8 ? `customer-${Math.floor(r() * users)}` : undefined,
    };
    return toItem(e, ACCOUNT, new Set(), { family: 'Chrome', version: '140.0' }, findings);
  });
}

/** One application at `eventsPerSecond` for `seconds`, from `users` active users, 100-event agent requests. */
export function applicationWorkload(eventsPerSecond: number, seconds: number, users: number): UnitMeter {
  const r = random(2);
  const w: IngestWorkload = {
    accountId: ACCOUNT.accountId,
    applicationId: APP,
    eventsPerSecond,
    seconds,
    batchSize: 100,
    sample: sampleItems(5_000, users),
    nextEventId: () => `${Math.floor(r() * 2 ** 32).toString(16)}-${Math.floor(r() * 2 ** 32).toString(16)}`,
  };
  return simulateIngest(w);
}

/** The hottest key of each table or index: units in its busiest second, and the limit. */
export function peaks(meter: UnitMeter): Record<string, { key: string; units: number }> {
  return Object.fromEntries(meter.peaks);
}

/**
 * The capacity model (docs/capacity.md): what one tenant's load costs each DynamoDB partition key, per second,
 * computed with DynamoDB's sizing rules from the items the real ingest core builds and the keys the real key
 * builders give. No timing: a simulation, so a test can hold the layout to DynamoDB's per-key limits.
 */
import type { InteractionItem, UserTouch } from './ingest.ts';
import { interactionsPk, usersPk } from './shards.ts';

/** DynamoDB's limits per partition key (base table and each index), per second. */
export const PER_KEY_LIMITS = { writeUnits: 1_000, readUnits: 3_000 } as const;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** A number's stored size: about one byte per two significant digits, plus one. */
function numberBytes(n: number): number {
  const digits = String(Math.abs(n)).replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return 1 + Math.ceil(Math.max(1, digits.length) / 2);
}

/** A value's size by DynamoDB's rules (strings UTF-8, lists and maps 3 bytes plus 1 per element). */
function valueBytes(v: unknown): number {
  if (typeof v === 'string') return utf8(v);
  if (typeof v === 'number') return numberBytes(v);
  if (typeof v === 'boolean' || v === null) return 1;
  if (Array.isArray(v)) return 3 + v.reduce<number>((s, x) => s + 1 + valueBytes(x), 0);
  if (typeof v === 'object')
    return 3 + Object.entries(v as object).reduce<number>((s, [k, x]) => s + 1 + utf8(k) + valueBytes(x), 0);
  return 0;
}

/** An item's size: the sum of its attribute names and values. */
export function itemBytes(item: object): number {
  return Object.entries(item).reduce<number>((s, [k, v]) => (v === undefined ? s : s + utf8(k) + valueBytes(v)), 0);
}

export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));
export const readUnits = (bytes: number, consistent: boolean): number =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

/** Units per partition key within one second, per table or index. */
export class UnitMeter {
  private readonly now = new Map<string, number>();
  /** the highest second seen per (place, kind): key and units */
  readonly peaks = new Map<string, { key: string; units: number }>();
  readonly totals = new Map<string, number>();

  add(place: string, kind: 'write' | 'read', key: string, units: number): void {
    const k = `${place}|${kind}|${key}`;
    this.now.set(k, (this.now.get(k) ?? 0) + units);
    const t = `${place}|${kind}`;
    this.totals.set(t, (this.totals.get(t) ?? 0) + units);
  }

  /** Closes a simulated second: its per-key sums become peaks where they are the highest so far. */
  tick(): void {
    for (const [k, units] of this.now) {
      const [place, kind, key] = k.split('|') as [string, string, string];
      const peak = this.peaks.get(`${place}|${kind}`);
      if (!peak || units > peak.units) this.peaks.set(`${place}|${kind}`, { key, units });
    }
    this.now.clear();
  }
}

/** A stored user row as touchUsers writes it (its size is what the write and the byLabel index cost). */
export const userRowOf = (u: UserTouch) => ({
  pk: usersPk(u.accountId, u.userKey),
  sk: u.userKey,
  label: u.label,
  lastSeen: u.lastSeen,
  firstSeen: u.lastSeen,
  expiresAt: u.expiresAt,
});

export interface IngestWorkload {
  accountId: string;
  applicationId: string;
  eventsPerSecond: number;
  seconds: number;
  /** events per agent request (one request = one restriction read and one touch per distinct user in it) */
  batchSize: number;
  /** the ingest core's items for a sample of events (sizes and identities are taken from them in turn) */
  sample: InteractionItem[];
  /** a fresh event id (the simulation's own random source) */
  nextEventId: () => string;
}

/**
 * Runs a workload through the key layout: every event is written to its Interactions key and, when identified, to
 * the byUser index; every request reads its users' rows (consistent BatchGetItem: do-not-track and erasure) and
 * touches each once (the row, the byLabel and the byExpiry index).
 */
export function simulateIngest(w: IngestWorkload, meter = new UnitMeter()): UnitMeter {
  const sizes = w.sample.map((i) => writeUnits(itemBytes(i)));
  let n = 0;
  for (let second = 0; second < w.seconds; second++) {
    for (let sent = 0; sent < w.eventsPerSecond; sent += w.batchSize) {
      const users = new Map<string, UserTouch>();
      for (let j = 0; j < Math.min(w.batchSize, w.eventsPerSecond - sent); j++, n++) {
        const item = w.sample[n % w.sample.length]!;
        const units = sizes[n % sizes.length]!;
        meter.add('Interactions', 'write', interactionsPk(w.accountId, w.applicationId, w.nextEventId()), units);
        if (item.userKey) {
          meter.add('Interactions.byUser', 'write', item.userKey, units);
          users.set(item.userKey, {
            accountId: w.accountId,
            userKey: item.userKey,
            label: item.user!,
            lastSeen: item.ts,
            expiresAt: item.expiresAt,
          });
        }
      }
      for (const u of users.values()) {
        const row = userRowOf(u);
        const bytes = itemBytes(row);
        meter.add('Users', 'read', row.pk, readUnits(bytes, true));
        meter.add('Users', 'write', row.pk, writeUnits(bytes));
        meter.add('Users.byLabel', 'write', row.pk, writeUnits(bytes));
        // byExpiry (keys, expiresAt, lastSeen): a touch moves the row's expiry, which is the index's sort key, so
        // DynamoDB deletes the old index entry and puts the new one: two writes
        const entry = writeUnits(
          itemBytes({ pk: row.pk, sk: row.sk, expiresAt: row.expiresAt, lastSeen: row.lastSeen }),
        );
        meter.add('Users.byExpiry', 'write', row.pk, 2 * entry);
      }
    }
    meter.tick();
  }
  return meter;
}

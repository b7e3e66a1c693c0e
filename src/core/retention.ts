/** P7: retention. Pure arithmetic on epoch seconds; the clock is passed in. */
export const MAX_RETENTION_DAYS = 90;
export const DEFAULT_RETENTION_DAYS = 90;
/** Backups (exports) are kept this long; restores drop items already expired. */
export const BACKUP_RETENTION_DAYS = 30;
/** A user's CSV export (access, portability) is kept in the backup bucket this long after it is written. */
export const USER_EXPORT_DAYS = 1;
export const DAY_SECONDS = 86_400;

export function validRetentionDays(days: number): boolean {
  return Number.isInteger(days) && days >= 1 && days <= MAX_RETENTION_DAYS;
}

/** Epoch seconds at which an item written for an event at `eventTimeMs` must be gone. */
export function expiresAt(eventTimeMs: number, retentionDays: number): number {
  if (!validRetentionDays(retentionDays)) throw new RangeError(`retention days must be 1..${MAX_RETENTION_DAYS}`);
  return Math.floor(eventTimeMs / 1000) + retentionDays * DAY_SECONDS;
}

/** An item without expiresAt never expires by TTL; one whose expiresAt is at or before now is expired. */
export function isExpired(item: { expiresAt?: unknown }, nowSeconds: number): boolean {
  return typeof item.expiresAt === 'number' && item.expiresAt <= nowSeconds;
}

/**
 * Whether an item may be served now: not past its own expiresAt, and — when the account has since
 * shortened its retention — not older than the account's current retention either.
 */
export function servable(
  item: { expiresAt?: unknown; ts?: unknown },
  nowSeconds: number,
  retentionDays?: number,
): boolean {
  if (isExpired(item, nowSeconds)) return false;
  if (
    retentionDays !== undefined &&
    typeof item.ts === 'number' &&
    Math.floor(item.ts / 1000) + retentionDays * DAY_SECONDS <= nowSeconds
  )
    return false;
  return true;
}

/** DynamoDB TTL deletes late (typically within days); the auditor deletes what TTL left after this grace. */
export const TTL_GRACE_SECONDS = 2 * DAY_SECONDS;
/** A terminated contract's data is deleted after this grace (configurable per termination, never above 90 days). */
export const DEFAULT_TERMINATION_GRACE_DAYS = 30;

/** The audit trail: who did what, kept for accountability (the only thing that removes an entry is TTL). */
export const AUDIT_RETENTION_DAYS = 365;
/** Erasure requests and their receipts (keyed hash only). */
export const ERASURE_RECORD_DAYS = 365;
/** Breach records and their recipients (contact e-mails): the accountability period after the report, Art. 33(5). */
export const BREACH_RECORD_DAYS = 365;
/** A restriction (do-not-track) row keeps only the hash; it lapses this long after it was last set. */
export const RESTRICTION_DAYS = 365;
/** A tombstone row (an erasure in progress) keeps only the hash and goes when the erasure finishes. */
export const TOMBSTONE_DAYS = 90;

/** Epoch seconds `days` after `ms`. */
export const daysAfter = (ms: number, days: number): number => Math.floor(ms / 1000) + days * DAY_SECONDS;

/**
 * After a lengthening of retention, items stored before it keep their shorter expiry: the auditor keeps treating
 * them by the shorter retention (`days`) until the last of them has expired (`until`, epoch ms).
 */
export interface RetentionFloor {
  days: number;
  until: number;
}

/**
 * The floor after a change of retention from `fromDays` to `toDays` at `nowMs` (undefined: none is needed). While a
 * ceiling is in force (a shortening before), items stored under the longer setting of then are alive too: the
 * floor lasts until they have expired as well.
 */
export function retentionFloorAfter(
  fromDays: number,
  toDays: number,
  nowMs: number,
  current?: RetentionFloor,
  ceiling?: RetentionCeiling,
): RetentionFloor | undefined {
  const active = current && current.until > nowMs ? current : undefined;
  if (toDays <= fromDays) return active;
  // a batch may still be ingested with the old setting for a few seconds (the settings cache): a day's margin
  const stored = Math.max(fromDays, ceiling && ceiling.until > nowMs ? ceiling.days : 0);
  const until = nowMs + (stored + 1) * DAY_SECONDS * 1000;
  return {
    days: Math.min(fromDays, active?.days ?? fromDays),
    until: Math.max(until, active?.until ?? 0),
  };
}
/**
 * After a shortening of retention, items stored before it keep their longer expiry (`expiresAt`) although the
 * shorter retention applies to them: until the last of them would have expired (`until`, epoch ms), an item's
 * expiry may lie up to `days` − the current retention ahead of the time it becomes due. The auditor widens its
 * reach by that much, and only while it holds.
 */
export interface RetentionCeiling {
  days: number;
  until: number;
}

/** The ceiling after a change of retention from `fromDays` to `toDays` at `nowMs` (undefined: none is needed). */
export function retentionCeilingAfter(
  fromDays: number,
  toDays: number,
  nowMs: number,
  current?: RetentionCeiling,
): RetentionCeiling | undefined {
  const active = current && current.until > nowMs ? current : undefined;
  if (toDays >= fromDays) return active;
  const until = nowMs + (fromDays + 1) * DAY_SECONDS * 1000;
  return {
    days: Math.max(fromDays, active?.days ?? fromDays),
    until: Math.max(until, active?.until ?? 0),
  };
}

/** Findings notices sent (their subject and the redacted shapes, no value): the accountability period. */
export const NOTICE_RECORD_DAYS = 365;

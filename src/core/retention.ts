/** P7: retention. Pure arithmetic on epoch seconds; the clock is passed in. */
export const MAX_RETENTION_DAYS = 90;
export const DEFAULT_RETENTION_DAYS = 90;
/** Backups (exports) are kept this long; restores drop items already expired. */
export const BACKUP_RETENTION_DAYS = 30;
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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccountSummary, auditCutoff, expiryCutoff } from '#core/retention-audit.ts';
import {
  DAY_SECONDS,
  type RetentionCeiling,
  type RetentionFloor,
  retentionCeilingAfter,
  retentionFloorAfter,
  servable,
} from '#core/retention.ts';

const DAY = DAY_SECONDS * 1000;
const HOUR = 3_600_000;

/**
 * The auditor reads only below two cutoffs: Interactions by time (`auditCutoff`), Users rows by expiry through the
 * byExpiry index (`expiryCutoff`). Whatever the history of retention changes, every item that has become doomed
 * (past its own expiry, or beyond the retention now in force) since the last day must meet both, so an hourly run
 * finds it (issue 19: O(expired), and still nothing missed).
 */
describe('retention cutoffs: every item that became doomed is within reach of the hourly auditor', () => {
  it('holds over random retention histories and items stored under them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }),
        // retention changes: days after the start, and the new setting
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 * 24 }), fc.integer({ min: 1, max: 90 })), {
          maxLength: 6,
        }),
        // items: stored this many hours after the start, with an event time up to 2 days earlier
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 * 24 }), fc.integer({ min: 0, max: 48 })), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.integer({ min: 0, max: 420 * 24 }),
        (initial, rawChanges, rawItems, checkHour) => {
          const start = 1_700_000_000_000;
          const now = start + checkHour * HOUR;
          const changes = rawChanges.map(([h, d]) => ({ at: start + h * HOUR, days: d })).sort((a, b) => a.at - b.at);
          // the account's setting as it stood at time t, with the floor and ceiling its changes recorded
          const stateAt = (t: number) => {
            let days = initial;
            let floor: RetentionFloor | undefined;
            let ceiling: RetentionCeiling | undefined;
            for (const c of changes.filter((x) => x.at <= t)) {
              floor = retentionFloorAfter(days, c.days, c.at, floor, ceiling);
              ceiling = retentionCeilingAfter(days, c.days, c.at, ceiling);
              days = c.days;
            }
            return { days, floor, ceiling };
          };
          const s = stateAt(now);
          const account: AccountSummary = {
            accountId: 'a',
            status: 'active',
            retentionDays: s.days,
            retentionFloor: s.floor,
            retentionCeiling: s.ceiling,
            applicationIds: [],
          };
          const olderThan = auditCutoff(account, now);
          const expiresBy = expiryCutoff(account, now);
          const nowSec = Math.floor(now / 1000);
          for (const [h, lag] of rawItems) {
            const stored = start + h * HOUR;
            if (stored > now) continue;
            const ts = stored - lag * HOUR;
            // ingest gives an item the retention in force when it is stored, counted from its event time
            const expiresAt = Math.floor(ts / 1000) + stateAt(stored).days * DAY_SECONDS;
            const item = { ts, expiresAt };
            if (servable(item, nowSec, s.days)) continue;
            // doomed since when: its own expiry, or the moment the retention in force now made it due
            const dueSince = Math.min(expiresAt * 1000, ts + s.days * DAY);
            if (dueSince < now - DAY + HOUR) continue; // long due: an earlier run (within the day) had it
            expect(ts, 'Interactions: by time').toBeLessThanOrEqual(olderThan);
            expect(expiresAt, 'Users: by expiry').toBeLessThanOrEqual(expiresBy);
          }
        },
      ),
      // the counterexample that found the floor ending before the items of an earlier, longer setting had expired
      {
        numRuns: 3000,
        examples: [
          [
            1,
            [
              [0, 75],
              [2, 76],
              [1, 1],
            ],
            [[0, 0]],
            1800,
          ],
        ],
      },
    );
  });

  it('outside any change, the reach is exactly what is due: no item that is still servable is read', () => {
    const account: AccountSummary = { accountId: 'a', status: 'active', retentionDays: 30, applicationIds: [] };
    const now = 1_700_000_000_000;
    expect(auditCutoff(account, now)).toBe(now - 30 * DAY);
    expect(expiryCutoff(account, now)).toBe(Math.floor(now / 1000));
    // after a shortening from 90 to 30 days, rows stored before it may carry expiries up to 60 days ahead
    const shortened = { ...account, retentionCeiling: retentionCeilingAfter(90, 30, now - DAY) };
    expect(expiryCutoff(shortened, now)).toBe(Math.floor(now / 1000) + 60 * DAY_SECONDS);
    // and once every row stored before it has expired, no more
    expect(expiryCutoff(shortened, now + 92 * DAY)).toBe(Math.floor((now + 92 * DAY) / 1000));
  });
});

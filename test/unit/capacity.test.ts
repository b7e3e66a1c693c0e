import { describe, expect, it } from 'vitest';
import { itemBytes, PER_KEY_LIMITS, readUnits, writeUnits } from '#core/capacity.ts';
import { applicationWorkload, peaks, sampleItems } from '../helpers/workloads.ts';

describe('DynamoDB sizing rules', () => {
  it('sizes items as names plus values, units per started 1 KB (write) and 4 KB (read)', () => {
    expect(itemBytes({ pk: 'abc', n: 12345, ok: true })).toBe(2 + 3 + 1 + 4 + 2 + 1);
    expect(itemBytes({ l: ['ab', 'c'] })).toBe(1 + 3 + (1 + 2) + (1 + 1));
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(readUnits(4097, true)).toBe(2);
    expect(readUnits(100, false)).toBe(0.5);
  });

  it('the sample is what ingest stores: scrubbed, mostly identified, up to a few hundred bytes', () => {
    const items = sampleItems(1_000, 10_000);
    expect(items.filter((i) => i.userKey).length).toBeGreaterThan(700);
    expect(Math.max(...items.map(itemBytes))).toBeGreaterThan(400);
  });
});

describe('capacity model: no partition key over its limit (docs/capacity.md)', () => {
  it('one application at 20,000 events/s for 60 s, from 100,000 active users', () => {
    const meter = applicationWorkload(20_000, 60, 100_000);
    const p = peaks(meter);
    // every table and index of the ingest path was metered
    expect(Object.keys(p).sort()).toEqual([
      'Interactions.byUser|write',
      'Interactions|write',
      'Users.byExpiry|write',
      'Users.byLabel|write',
      'Users|read',
      'Users|write',
    ]);
    for (const [place, peak] of Object.entries(p)) {
      const limit = place.endsWith('|read') ? PER_KEY_LIMITS.readUnits : PER_KEY_LIMITS.writeUnits;
      expect(peak.units, `${place} ${peak.key}`).toBeLessThanOrEqual(limit);
    }
    // and it is the sharding that keeps it so: the application's writes on one key would be 20× over
    expect(meter.totals.get('Interactions|write')! / 60).toBeGreaterThanOrEqual(20 * PER_KEY_LIMITS.writeUnits);
  });

  it('one account with 2 million users, 100,000 of them active a minute (1,667 users/s, 10 events each a minute)', () => {
    const meter = applicationWorkload(16_667, 60, 2_000_000);
    for (const [place, peak] of Object.entries(peaks(meter))) {
      const limit = place.endsWith('|read') ? PER_KEY_LIMITS.readUnits : PER_KEY_LIMITS.writeUnits;
      expect(peak.units, `${place} ${peak.key}`).toBeLessThanOrEqual(limit);
    }
  });
});

import { auditPk, interactionsPk, usersPk } from '#core/shards.ts';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { auditedPlaces } from '#adapters/retention-store.ts';
import { CATEGORIES, DATA_MAP, dataMapDoc, isPersonal, itemTypeOf, STATEFUL_TYPES } from '#core/data-map.ts';
import { erasureSteps } from '#core/erasure.ts';
import { processingRecord } from '#core/processing-record.ts';
import { ACCOUNT_RETENTION_ITEMS } from '#core/retention-audit.ts';
import { resources, synthesize } from '#local/template.ts';

const model = synthesize();
/** A CDK logical id without its 8-character hash: the construct's name. */
const nameOf = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, '');
const stateful = STATEFUL_TYPES.flatMap((type) =>
  resources(model, type).map((r) => ({ type, name: nameOf(r.id), resource: r.resource })),
);

describe('the personal-data inventory names every place data is written (P17)', () => {
  it('every synthesized resource that holds or passes on data is named by exactly one place', () => {
    const unnamed = stateful
      .filter((r) => !DATA_MAP.some((p) => p.resources.includes(r.name)))
      .map((r) => `${r.type} ${r.name}`);
    expect(unnamed).toEqual([]);
    expect(stateful.length).toBeGreaterThanOrEqual(20); // tables, buckets, 13 log groups, the state machine, alarms…
  });

  it('names nothing that the templates do not have (a removed resource leaves the map too)', () => {
    const names = new Set(resources(model).map((r) => nameOf(r.id)));
    const stale = DATA_MAP.flatMap((p) => p.resources.filter((r) => !names.has(r)).map((r) => `${p.id}: ${r}`));
    expect(stale).toEqual([]);
  });

  it('gives every item type a key layout that no other item type of its table also matches', () => {
    const ACC = 'acc_0123456789abcdef';
    const samples: Array<[string, Record<string, string>]> = [
      // the key builders the stores write with (src/core/shards.ts)
      ['Interactions', { pk: interactionsPk(ACC, 'app_0123456789ab', 'ev-1'), sk: '01700000000000#ev-1' }],
      ['Users', { pk: usersPk(ACC, `${ACC}#${'a'.repeat(32)}`), sk: `${ACC}#${'a'.repeat(32)}` }],
      ['Accounts', { pk: 'ACCOUNT#acc_0123456789abcdef', sk: 'META' }],
      ['Accounts', { pk: 'ACCOUNT#acc_0123456789abcdef', sk: 'FINDING#url#email' }],
      ['Accounts', { pk: 'BREACH#br_abc123', sk: 'RCPT#acc_0123456789abcdef#someone@example.org' }],
      ['Audit', { pk: auditPk('GLOBAL', '01700000000000#0123456789ab'), sk: '01700000000000#0123456789ab' }],
      ['Audit', { pk: auditPk(ACC, '01700000000000#0123456789ab'), sk: '01700000000000#0123456789ab' }],
    ];
    for (const [table, key] of samples) expect(itemTypeOf(table, key), `${table} ${JSON.stringify(key)}`).toBeDefined();
    expect(itemTypeOf('Accounts', { pk: 'ACCOUNT#acc_0123456789abcdef', sk: 'SOMETHING#new' })).toBeUndefined();
    expect(itemTypeOf('Users', { pk: 'ACCOUNT#acc_0123456789abcdef', sk: 'META' })).toBeUndefined();
  });

  it('says for each place what it holds, how long (in days, from when), how erasure reaches it and who reads it', () => {
    for (const p of DATA_MAP) {
      expect(p.holds.length, p.id).toBeGreaterThan(0);
      for (const c of p.holds) expect(Object.keys(CATEGORIES), p.id).toContain(c);
      if (p.retention.rule === 'days') {
        expect(p.retention.days, p.id).toBeGreaterThanOrEqual(0);
        expect(p.retention.from, p.id).not.toBe('');
      }
      // end-user data never lives for "the contract": it has a retention in days
      if (p.holds.some((c) => c.startsWith('user-') || c === 'interaction-data'))
        expect(p.retention.rule, p.id).not.toBe('contract');
      if (p.kind === 'item') expect(p.key, p.id).toBeDefined();
      if (p.kind === 'object') expect(p.prefix, p.id).toBeDefined();
    }
    expect(new Set(DATA_MAP.map((p) => p.id)).size).toBe(DATA_MAP.length);
  });

  it('drives the erasure workflow: every place that holds an identifier is cleared by a step the state machine runs', () => {
    const machine = resources(model, 'AWS::StepFunctions::StateMachine').find((m) =>
      m.id.startsWith('ErasureWorkflow'),
    )!.resource;
    const definition = JSON.stringify(machine.Properties!.DefinitionString);
    for (const p of DATA_MAP.filter((x) => x.holds.includes('user-identifier'))) {
      expect(['workflow', 'reapplied-on-restore'], p.id).toContain(p.erasure.by);
      if (p.erasure.by !== 'workflow') continue;
      for (const step of p.erasure.steps) {
        expect(Object.keys(erasureSteps), p.id).toContain(step);
        expect(definition, `${p.id}: step ${step}`).toContain(`\\"action\\":\\"${step}\\"`);
      }
    }
  });

  it("drives the retention auditor: it polices exactly the item types that follow the account's retention", () => {
    expect(ACCOUNT_RETENTION_ITEMS.sort()).toEqual(['accounts.finding', 'interactions.event', 'users.user']);
    expect([...auditedPlaces].sort()).toEqual([...ACCOUNT_RETENTION_ITEMS].sort());
  });

  it('drives the Art. 30 record: every personal-data place is in it with its retention and erasure', () => {
    const facts = { region: 'eu-west-1', services: [], tables: [], buckets: [], functions: 0, waf: true };
    const record = processingRecord(facts);
    const listed = record.retention.places.map((p) => p.place);
    expect(listed.sort()).toEqual(
      DATA_MAP.filter((p) => isPersonal(p) && !p.localOnly)
        .map((p) => p.id)
        .sort(),
    );
    expect(record.retention.longestLifetime).toMatch(/90 days live.*30 days in backups/);
  });

  it('drives the backups: the exports hold what the exported item types hold, and PITR lives as long as the exports', () => {
    const exported = DATA_MAP.filter((p) => p.backedUp);
    const exports = DATA_MAP.find((p) => p.id === 'backups.exports')!;
    expect(exports.holds).toEqual(expect.arrayContaining([...new Set(exported.flatMap((p) => p.holds))]));
    const pitr = DATA_MAP.find((p) => p.id === 'backups.pitr')!;
    for (const { resource } of resources(model, 'AWS::DynamoDB::Table')) {
      expect(resource.Properties!.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: true,
        RecoveryPeriodInDays: pitr.retention.rule === 'days' && pitr.retention.days,
      });
    }
    // every table's item types are in PITR's holds
    const inTables = DATA_MAP.filter((p) => p.kind === 'item').flatMap((p) => p.holds);
    expect(pitr.holds).toEqual(
      expect.arrayContaining([...new Set(inTables)].filter((c) => c !== 'configuration' && c !== 'detection-shape')),
    );
  });

  it('no API Gateway stage traces (X-Ray would record client IPs and URLs)', () => {
    for (const { resource } of resources(model, 'AWS::ApiGateway::Stage'))
      expect(resource.Properties?.TracingEnabled).not.toBe(true);
  });

  it('docs/data-map.md is generated from the map (npm run docs)', () => {
    expect(fs.readFileSync(new URL('../../docs/data-map.md', import.meta.url), 'utf8')).toBe(dataMapDoc());
  });
});

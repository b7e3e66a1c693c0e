import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '#core/openapi.ts';
import { keyProof, sign, signAnswer } from '#core/signing.ts';
import type { Runtime } from '#local/runtime.ts';
import { bootRuntime, createAccount, scanAll } from '../helpers/runtime.ts';

const root = path.resolve(import.meta.dirname, '../..');
const doc = fs.readFileSync(path.join(root, 'docs/agent-protocol.md'), 'utf8');
const field = (name: string) => new RegExp(`^${name}\\s+(.+)$`, 'm').exec(doc)![1]!.trim();

describe('docs/agent-protocol.md', () => {
  it('its worked example is right', () => {
    expect(sign(field('secret'), field('timestamp'), field('body'))).toBe(field('signature'));
    expect(keyProof(field('secret'), Math.floor(Number(field('timestamp')) / 60), field('key id'))).toBe(
      field('key proof'),
    );
    const resp = /sent at server time `(\d+)`, carries\s+`X-Lethe-Signature: (v1=[0-9a-f]+)`/.exec(doc)!;
    expect(signAnswer(field('secret'), resp[1]!, field('signature'), '{"accepted":1,"expired":0,"findings":0}')).toBe(
      resp[2],
    );
  });

  describe('a client written from the document alone', () => {
    let rt: Runtime;
    beforeAll(async () => {
      rt = await bootRuntime();
    });
    afterAll(async () => rt?.stop());

    it('is accepted and can verify the server', async () => {
      const acc = await createAccount(rt);
      // Only what the document says: HMAC-SHA256 keyed with the secret's UTF-8 bytes over "<ts>.<body>".
      const body = JSON.parse(field('body'));
      body.events[0].applicationId = acc.applicationId;
      body.events[0].timestamp = Date.now();
      const raw = JSON.stringify(body);
      const ts = String(Math.floor(Date.now() / 1000));
      const signature = `v1=${createHmac('sha256', acc.secret).update(`${ts}.${raw}`).digest('hex')}`;
      const minute = Math.floor(Number(ts) / 60);
      const proof = `v2=${minute}.${createHmac('sha256', acc.secret).update(`${minute}.${acc.keyId}`).digest('hex')}`;
      const res = await fetch(`${rt.endpoints.api}/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'X-Lethe-Key-Id': acc.keyId,
          'X-Lethe-Key-Proof': proof,
          'X-Lethe-Timestamp': ts,
          'X-Lethe-Signature': signature,
        },
        body: raw,
      });
      const text = await res.text();
      expect(res.status).toBe(200);
      const expected = `v1=${createHmac('sha256', acc.secret)
        .update(`${res.headers.get('x-lethe-timestamp')}.${signature}.${text}`)
        .digest('hex')}`;
      expect(res.headers.get('x-lethe-signature')).toBe(expected);
      const stored = (await scanAll(rt, 'Interactions')).find((i) => i.eventId === body.events[0].id)!;
      expect(stored.queries).toEqual(['SELECT id, total FROM orders WHERE customer_id = ?']);
    });
  });
});

describe('docs/openapi.json', () => {
  it('is generated from the handlers’ own schemas and is up to date (npm run docs)', () => {
    const onDisk = JSON.parse(fs.readFileSync(path.join(root, 'docs/openapi.json'), 'utf8'));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('describes every route of the API in the template', async () => {
    const { synthesize } = await import('#local/template.ts');
    const { apiFromTemplate } = await import('#local/apigw.ts');
    const routes = apiFromTemplate(synthesize(), (id) => id).routes.map(
      (r) => `${r.method.toLowerCase()} ${r.resourcePath}`,
    );
    const documented = Object.entries(openApiDocument().paths ?? {}).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${p}`),
    );
    expect(routes.sort()).toEqual(documented.sort());
  });

  it('passes a standard OpenAPI linter (@redocly/cli, recommended rules) with no error', () => {
    const run = spawnSync(
      path.join(root, 'node_modules/.bin/redocly'),
      ['lint', 'docs/openapi.json', '--format=json'],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    );
    const report = JSON.parse(run.stdout) as {
      totals: { errors: number };
      problems: Array<{ ruleId: string; severity: string; message: string }>;
    };
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 60_000);
});

describe('docs/access.md', () => {
  it('is the matrix the API enforces (npm run docs)', async () => {
    const { accessDoc } = await import('#core/access-doc.ts');
    expect(fs.readFileSync(path.join(root, 'docs/access.md'), 'utf8')).toBe(accessDoc());
  });
});

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Validations } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#lib/app.ts';
import { assertIreland } from '#core/region.ts';
import { tempDir } from '../helpers/runtime.ts';

const run = promisify(execFile);

describe('cdk-nag: AwsSolutions and NIST 800-53 rev 5', () => {
  it('reports nothing unacknowledged', () => {
    const { app } = buildApp({ skipBundling: true, env: {}, outdir: tempDir('lethe-nag-') });
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    // The validation report lists each unacknowledged finding; an empty message means none.
    expect(message).toBe('');
  });

  it('gives every acknowledgement a reason of its own (not the rule restated)', () => {
    const { app } = buildApp({ skipBundling: true, env: {}, outdir: tempDir('lethe-nag-') });
    const acks: Array<{ id: string; reason: string; path: string }> = [];
    for (const c of app.node.findAll()) {
      for (const m of c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
        for (const [id, reason] of Object.entries(m.data as Record<string, string>))
          acks.push({ id, reason, path: c.node.path });
      }
    }
    expect(acks.length).toBeGreaterThan(10);
    for (const a of acks) {
      expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
      expect(a.reason, `${a.path} ${a.id}`).not.toMatch(/^(suppress|ignore|not needed|n\/a)/i);
    }
  });
});

describe('region guard (P1)', () => {
  it('accepts nothing but eu-west-1', () => {
    expect(
      assertIreland([
        { source: 'x', region: undefined },
        { source: 'y', region: 'eu-west-1' },
      ]),
    ).toBe('eu-west-1');
    expect(() => assertIreland([{ source: 'CDK_DEFAULT_REGION', region: 'us-east-1' }])).toThrow(
      /only runs in eu-west-1.*CDK_DEFAULT_REGION=us-east-1/,
    );
  });

  it('refuses to build the app for another region from the environment or from -c region=', () => {
    expect(() => buildApp({ skipBundling: true, nag: false, env: { CDK_DEFAULT_REGION: 'us-east-1' } })).toThrow(
      /eu-west-1/,
    );
    expect(() => buildApp({ skipBundling: true, nag: false, env: { AWS_REGION: 'eu-central-1' } })).toThrow(
      /AWS_REGION=eu-central-1/,
    );
    expect(() => buildApp({ skipBundling: true, nag: false, env: {}, context: { region: 'eu-north-1' } })).toThrow(
      /context region/,
    );
  });

  it('pins every stack to eu-west-1', () => {
    const { stateful, stateless } = buildApp({ skipBundling: true, nag: false, env: {} });
    expect(stateful.region).toBe('eu-west-1');
    expect(stateless.region).toBe('eu-west-1');
  });
});

describe('`cdk synth` as the platform team runs it', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const cdk = path.join(root, 'node_modules', '.bin', 'cdk');

  it('bundles every function and writes templates whose only region is eu-west-1', async () => {
    const out = tempDir('lethe-synth-');
    await run(cdk, ['synth', '--quiet', '--output', out], {
      cwd: root,
      env: { ...process.env, AWS_REGION: 'eu-west-1' },
      timeout: 240_000,
    });
    const templates = fs.readdirSync(out).filter((f) => f.endsWith('.template.json'));
    expect(templates.sort()).toEqual(['LetheStateful.template.json', 'LetheStateless.template.json']);
    for (const f of templates) {
      const text = fs.readFileSync(path.join(out, f), 'utf8');
      const regions = new Set(
        text.match(/\b(?:us|eu|ap|sa|ca|me|af|il|mx)-(?:north|south|east|west|central|northeast|southeast)-\d\b/g) ??
          [],
      );
      expect([...regions]).toEqual(regions.size ? ['eu-west-1'] : []);
    }
    const bundles = fs
      .readdirSync(out)
      .filter((d) => d.startsWith('asset.') && fs.existsSync(path.join(out, d, 'index.mjs')));
    expect(bundles.length).toBeGreaterThanOrEqual(5);
  }, 240_000);

  it('fails with a clear message when another region is requested', async () => {
    const err = await run(cdk, ['synth', '--quiet', '--output', tempDir('lethe-synth-')], {
      cwd: root,
      env: { ...process.env, CDK_DEFAULT_REGION: 'us-east-1' },
      timeout: 120_000,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(`${err.stderr}${err.stdout}`).toMatch(/only runs in eu-west-1 .*CDK_DEFAULT_REGION=us-east-1/);
  }, 120_000);
});

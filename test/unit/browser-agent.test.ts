import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BROWSER_AGENT_MODULE, browserAgentModule, bundleBrowserAgent } from '#lib/constructs/bundling.ts';
import { AGENT_V1_INTEGRITY, AGENT_V1_JS } from '../../src/agent/v1.generated.ts';
import { createHash } from 'node:crypto';

describe('the browser agent bundle', () => {
  it('is built from src/agent/browser.ts and up to date (npm run docs)', () => {
    expect(fs.readFileSync(BROWSER_AGENT_MODULE, 'utf8')).toBe(browserAgentModule());
  });

  it('carries the integrity hash of exactly the text served, and docs/browser-agent.md gives it', () => {
    expect(AGENT_V1_JS).toBe(bundleBrowserAgent());
    expect(AGENT_V1_INTEGRITY).toBe(`sha384-${createHash('sha384').update(AGENT_V1_JS).digest('base64')}`);
    expect(fs.readFileSync(new URL('../../docs/browser-agent.md', import.meta.url), 'utf8')).toContain(
      `integrity="${AGENT_V1_INTEGRITY}"`,
    );
  });

  it('touches no storage, cookies or fingerprinting surfaces', () => {
    for (const api of ['localStorage', 'sessionStorage', 'document.cookie', 'indexedDB', 'canvas', 'userAgent'])
      expect(AGENT_V1_JS).not.toContain(api);
  });
});

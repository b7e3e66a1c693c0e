import '#wiring/aws.ts';
import middy from '@middy/core';
import { observed } from '#adapters/observability.ts';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { CONSOLE_HTML } from '../../src/console/page.ts';
import { AGENT_V1_INTEGRITY, AGENT_V1_JS } from '../../src/agent/v1.generated.ts';

/** Headers every static answer carries: the type is what it says, and no page leaks where it came from. */
const COMMON = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

/**
 * GET /console: the customer console page, served from the API in eu-west-1 (strict CSP: nothing loads from
 * elsewhere).
 */
const consolePage: APIGatewayProxyResult = {
  statusCode: 200,
  headers: {
    ...COMMON,
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  },
  body: CONSOLE_HTML,
};

/**
 * GET /agent/v1.js: the browser agent (docs/browser-agent.md), loaded by customers' pages from any origin: CORS
 * open (so `integrity` + `crossorigin` work), cached for a week, its ETag the integrity hash.
 */
const agentScript: APIGatewayProxyResult = {
  statusCode: 200,
  headers: {
    ...COMMON,
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': 'public, max-age=604800',
    etag: `"${AGENT_V1_INTEGRITY}"`,
    'access-control-allow-origin': '*',
    'cross-origin-resource-policy': 'cross-origin',
  },
  body: AGENT_V1_JS,
};

/** The two static answers of the API: neither reads nor writes data. */
const run = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  event.resource === '/agent/v1.js' ? agentScript : consolePage;

/** With the Lambda context and correlation id in its logs (src/adapters/observability.ts). */
export const handler = observed(middy(run));

import '#wiring/aws.ts';
import middy from '@middy/core';
import { observed } from '#adapters/observability.ts';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { findBrowserApp, findKey } from '#adapters/accounts-store.ts';
import { isLiveKey, usagePlanKeyOf } from '#core/accounts.ts';
import { keyProofValid } from '#core/signing.ts';

/**
 * The agents' request authorizer: it names the account behind an agent key (server: X-Lethe-Key-Id with its
 * X-Lethe-Key-Proof; browser: ?key=) so API Gateway throttles each account by its usage-plan key. A server
 * key id alone is not enough: the proof is an HMAC with the key's secret, so a stranger cannot spend the
 * account's budget. It does not replace the body signature, checked in the ingest function. Results are
 * cached by the gateway per (key id, proof), and the proof changes every minute.
 */
async function serverKeyOwner(keyId: string, proof: string | undefined): Promise<string | undefined> {
  const key = await findKey(keyId);
  const now = Math.floor(Date.now() / 1000);
  return isLiveKey(key, now) && keyProofValid(proof, key.secret, keyId, now) ? key.accountId : undefined;
}

const run = async (
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult & { usageIdentifierKey?: string }> => {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const keyId = headers['x-lethe-key-id'];
  const browserKey = event.queryStringParameters?.key;
  const owner = keyId
    ? await serverKeyOwner(keyId, headers['x-lethe-key-proof'])
    : browserKey
      ? (await findBrowserApp(browserKey))?.accountId
      : undefined;
  if (!owner) throw new Error('Unauthorized');
  const [arnHead, stage] = event.methodArn.split('/') as [string, string];
  return {
    principalId: owner,
    usageIdentifierKey: usagePlanKeyOf(owner),
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${arnHead}/${stage}/POST/v1/*` }],
    },
    context: { accountId: owner },
  };
};

/** With the Lambda context and correlation id in its logs, and traced (src/adapters/observability.ts). */
export const handler = observed(middy(run));

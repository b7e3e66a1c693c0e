import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { findBrowserApp, findKeyOwner } from '#adapters/accounts-store.ts';
import { usagePlanKeyOf } from '#core/accounts.ts';

/**
 * The agents' request authorizer: it names the account behind an agent key (server: X-Lethe-Key-Id; browser:
 * ?key=) so API Gateway throttles each account by its usage-plan key. It does not replace the signature
 * check, which needs the body and stays in the ingest function. Results are cached by the gateway.
 */
export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult & { usageIdentifierKey?: string }> => {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const keyId = headers['x-lethe-key-id'];
  const browserKey = event.queryStringParameters?.key;
  const owner = keyId ? await findKeyOwner(keyId) : browserKey ? (await findBrowserApp(browserKey))?.accountId : undefined;
  if (!owner) throw new Error('Unauthorized');
  const [arnHead, stage] = event.methodArn.split('/') as [string, string];
  return {
    principalId: owner,
    usageIdentifierKey: usagePlanKeyOf(owner),
    policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${arnHead}/${stage}/POST/v1/*` }] },
    context: { accountId: owner },
  };
};

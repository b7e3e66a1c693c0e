import { APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanKeyCommand, GetUsagePlansCommand } from '@aws-sdk/client-api-gateway';
import { AGENT_USAGE_PLAN_NAME, usagePlanKeyOf } from '#core/accounts.ts';
import { IRELAND } from '#core/region.ts';

let client: APIGatewayClient | undefined;

/**
 * Onboarding: an API key named after the account, in the agents' usage plan, so API Gateway throttles each
 * account on its own. Locally there are no usage plans to register with (the local gateway does not throttle).
 */
export async function registerUsagePlanKey(accountId: string): Promise<void> {
  if (process.env.LETHE_LOCAL === '1') return;
  client ??= new APIGatewayClient({ region: IRELAND });
  const key = await client.send(new CreateApiKeyCommand({ name: accountId, value: usagePlanKeyOf(accountId), enabled: true, description: `Lethe agents of ${accountId}` }));
  planId ??= (await client.send(new GetUsagePlansCommand({ limit: 500 }))).items?.find((p) => p.name === AGENT_USAGE_PLAN_NAME)?.id;
  if (!planId) throw new Error(`usage plan ${AGENT_USAGE_PLAN_NAME} not found`);
  await client.send(new CreateUsagePlanKeyCommand({ usagePlanId: planId, keyId: key.id, keyType: 'API_KEY' }));
}
let planId: string | undefined;

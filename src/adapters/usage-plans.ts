import { AGENT_USAGE_PLAN_NAME, usagePlanKeyOf } from '#core/accounts.ts';
import { apiGateway } from './aws.ts';

/**
 * Onboarding on AWS: an API key named after the account, in the agents' usage plan, so API Gateway throttles
 * each account on its own. (Locally there are no usage plans to register with: the wiring skips this.)
 */
export async function registerUsagePlanKey(accountId: string): Promise<void> {
  const { sdk, client } = await apiGateway();
  const key = await client.send(
    new sdk.CreateApiKeyCommand({
      name: accountId,
      value: usagePlanKeyOf(accountId),
      enabled: true,
      description: `Lethe agents of ${accountId}`,
    }),
  );
  planId ??= (await client.send(new sdk.GetUsagePlansCommand({ limit: 500 }))).items?.find(
    (p) => p.name === AGENT_USAGE_PLAN_NAME,
  )?.id;
  if (!planId) throw new Error(`usage plan ${AGENT_USAGE_PLAN_NAME} not found`);
  await client.send(new sdk.CreateUsagePlanKeyCommand({ usagePlanId: planId, keyId: key.id, keyType: 'API_KEY' }));
}
let planId: string | undefined;

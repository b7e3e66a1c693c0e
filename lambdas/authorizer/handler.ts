import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import '#wiring/aws.ts';
import middy from '@middy/core';
import { observed } from '#adapters/observability.ts';
import { verifyBearer } from '#adapters/auth.ts';
import { platform } from '#adapters/platform.ts';

/**
 * Token authorizer of the management API: a valid token (a Cognito ID token of the customers' or the staff pool, or
 * a Lethe machine token; src/adapters/auth.ts verifyBearer) is allowed into the API and its role and account
 * scope travel to the function as context; the function enforces the role matrix per operation.
 * Anything else is "Unauthorized" (401), with no detail.
 */
const run = async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const token = /^Bearer (.+)$/i.exec(event.authorizationToken ?? '')?.[1];
  if (!token) throw new Error('Unauthorized');
  let principal;
  try {
    principal = await verifyBearer(token, () => platform().signingKey());
  } catch {
    throw new Error('Unauthorized');
  }
  // arn:aws:execute-api:region:account:apiId/stage/VERB/path → allow the whole stage for this token.
  const [arnHead, stage] = event.methodArn.split('/') as [string, string];
  return {
    principalId: principal.sub,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${arnHead}/${stage}/*` }],
    },
    // The scope as a JSON array: context values are strings, and a joined list could be widened by a comma.
    context: {
      sub: principal.sub,
      role: principal.role,
      accounts: JSON.stringify(principal.accounts),
      ...(principal.adminOf && { adminOf: JSON.stringify(principal.adminOf) }),
    },
  };
};

/** With the Lambda context and correlation id in its logs, and traced (src/adapters/observability.ts). */
export const handler = observed(middy(run));

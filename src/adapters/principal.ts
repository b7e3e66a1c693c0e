import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type Principal, ROLES } from '#core/access.ts';
import { unauthorized } from '#core/errors.ts';

/** The principal the authorizer put into the request context. */
export function principalOf(event: APIGatewayProxyEvent): Principal {
  const c = event.requestContext?.authorizer ?? {};
  const role = c.role as Principal['role'];
  if (typeof c.sub !== 'string' || !ROLES.includes(role)) throw unauthorized('no principal');
  return { sub: c.sub, role, accounts: String(c.accounts ?? '').split(',').filter(Boolean) };
}

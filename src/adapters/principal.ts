import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type Principal, ROLES, scopeFromContext } from '#core/access.ts';
import { unauthorized } from '#core/errors.ts';

/** The principal the authorizer put into the request context. */
export function principalOf(event: APIGatewayProxyEvent): Principal {
  const c = event.requestContext?.authorizer ?? {};
  const role = c.role as Principal['role'];
  const accounts = scopeFromContext(c.accounts);
  if (typeof c.sub !== 'string' || !ROLES.includes(role) || !accounts) throw unauthorized('no principal');
  const adminOf = c.adminOf === undefined ? undefined : scopeFromContext(c.adminOf);
  return { sub: c.sub, role, accounts, ...(adminOf && { adminOf: adminOf.filter((a) => a !== '*') }) };
}

import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as accounts from '#adapters/accounts-store.ts';
import { appendAudit, listAudit } from '#adapters/audit-store.ts';
import { noticesFor } from '#adapters/breach-store.ts';
import { erasureAdminPorts } from '#adapters/erasure-start.ts';
import { httpErrors, jsonResponse, lowerHeaders } from '#adapters/http.ts';
import { principalOf } from '#adapters/principal.ts';
import { usersStore } from '#adapters/users-store.ts';
import { rawBody, parseJson } from '#core/body.ts';
import { etagOf } from '#core/accounts.ts';
import { systemClock } from '#core/clock.ts';
import { notFound } from '#core/errors.ts';
import { exportUserCsv, listAnonymousInteractions, listUserInteractions, restrictUser, searchUsers, type UsersPorts } from '#core/users.ts';
import { audited, createAccount, erasureStatus, type ErasureAdminPorts, type ManagementPorts, requestErasure, rotateKey, terminateAccount, updateAccount, viewAccount } from '#core/management.ts';

const ports: ManagementPorts & ErasureAdminPorts & UsersPorts & { revokeKeys(accountId: string): Promise<number> } = {
  ...erasureAdminPorts,
  clock: systemClock,
  createAccount: accounts.createAccount,
  getAccount: accounts.getAccount,
  listApplications: accounts.listApplications,
  listKeys: accounts.listKeys,
  updateAccount: accounts.updateAccount,
  rotateKey: accounts.rotateKey,
  audit: appendAudit,
  revokeKeys: accounts.revokeKeys,
  ...usersStore,
};

/** The account's settings with their ETag (the editor sends it back as If-Match). */
const withEtag = (view: { version: number }) => jsonResponse(200, view, { ETag: etagOf(view) });

/** Management API: routes by API Gateway resource; each route is one core call. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(httpErrors())
  .handler(async (event) => {
    const p = principalOf(event);
    const path = event.pathParameters ?? {};
    const q = event.queryStringParameters ?? {};
    const body = () => parseJson(rawBody(event.body, event.isBase64Encoded));
    switch (`${event.httpMethod} ${event.resource}`) {
      case 'POST /v1/accounts':
        return jsonResponse(201, await createAccount(ports, p, body()));
      case 'GET /v1/accounts/{accountId}':
        return withEtag(await audited(ports, p, 'accounts:read', path.accountId, () => viewAccount(ports, path.accountId!)));
      case 'PATCH /v1/accounts/{accountId}':
        return withEtag(await updateAccount(ports, p, path.accountId!, body(), lowerHeaders(event)['if-match']));
      case 'POST /v1/accounts/{accountId}/applications/{applicationId}/keys':
        return jsonResponse(201, await rotateKey(ports, p, path.accountId!, path.applicationId!));
      case 'POST /v1/accounts/{accountId}/terminate':
        return jsonResponse(200, await terminateAccount(ports, p, path.accountId!, event.body ? body() : {}));
      case 'POST /v1/accounts/{accountId}/erasures':
        return jsonResponse(202, await requestErasure(ports, p, path.accountId!, body()));
      case 'GET /v1/erasures/{requestId}':
        return jsonResponse(200, await erasureStatus(ports, p, path.requestId!));
      case 'POST /v1/accounts/{accountId}/users/search':
        return jsonResponse(200, await searchUsers(ports, p, path.accountId!, (body() as { query?: unknown } | undefined)?.query));
      case 'POST /v1/accounts/{accountId}/users/restrict':
        return jsonResponse(200, await restrictUser(ports, p, path.accountId!, body() as any));
      case 'GET /v1/accounts/{accountId}/users/{userKey}/interactions':
        return jsonResponse(200, await listUserInteractions(ports, p, path.accountId!, path.userKey!, q.cursor, q.limit ? Number(q.limit) : undefined));
      case 'GET /v1/accounts/{accountId}/users/{userKey}/export': {
        let csv = '';
        for await (const chunk of await exportUserCsv(ports, p, path.accountId!, path.userKey!)) csv += chunk;
        return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="interactions.csv"', 'cache-control': 'no-store' }, body: csv };
      }
      case 'GET /v1/accounts/{accountId}/applications/{applicationId}/interactions':
        return jsonResponse(200, await listAnonymousInteractions(ports, p, path.accountId!, path.applicationId!, q.cursor, q.limit ? Number(q.limit) : undefined));
      case 'GET /v1/accounts/{accountId}/notices':
        return jsonResponse(200, { notices: await audited(ports, p, 'notices:read', path.accountId, () => noticesFor(path.accountId!)) });
      case 'GET /v1/accounts/{accountId}/audit':
        return jsonResponse(200, { records: await audited(ports, p, 'audit:read', path.accountId, () => listAudit(path.accountId!)) });
      case 'GET /v1/accounts/{accountId}/findings':
        return jsonResponse(200, { findings: await audited(ports, p, 'findings:read', path.accountId, () => accounts.listFindings(path.accountId!)) });
      default:
        throw notFound('route');
    }
  });

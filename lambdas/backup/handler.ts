import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { backupPorts } from '#adapters/backup-store.ts';
import { httpErrors, jsonResponse } from '#adapters/http.ts';
import { principalOf } from '#adapters/principal.ts';
import { appendAudit } from '#adapters/audit-store.ts';
import { restoreExport } from '#core/backup.ts';
import { audited, guard } from '#core/management.ts';
import { badRequest } from '#core/errors.ts';
import { parseJson, rawBody } from '#core/body.ts';

const ports = { ...backupPorts, audit: appendAudit };

/** Daily schedule: export. API (administrators): list exports, export now, restore one with erasures re-applied. */
const api = middy<APIGatewayProxyEvent, APIGatewayProxyResult>().use(httpErrors()).handler(async (event) => {
  const p = principalOf(event);
  switch (`${event.httpMethod} ${event.resource}`) {
    case 'GET /v1/backups':
      return jsonResponse(200, { exports: await audited(ports, p, 'backup:manage', undefined, () => backupPorts.listExports()) });
    case 'POST /v1/backups':
      return jsonResponse(202, { exports: await audited(ports, p, 'backup:manage', undefined, () => backupPorts.exportTables()) });
    case 'POST /v1/backups/restores': {
      await guard(ports, p, 'backup:manage', undefined);
      const body = parseJson(rawBody(event.body, event.isBase64Encoded)) as { exportId?: unknown };
      if (typeof body?.exportId !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(body.exportId)) throw badRequest('exportId', 'give the id of an export (lethe backup list)');
      return jsonResponse(200, await audited(ports, p, 'backup:manage', undefined, () => restoreExport(backupPorts, body.exportId as string)));
    }
    default:
      return jsonResponse(404, { error: 'not_found', message: 'route not found' });
  }
});

export const handler = async (event: any, context: any) => {
  if (event?.httpMethod) return api(event, context);
  return { exports: await backupPorts.exportTables() };
};

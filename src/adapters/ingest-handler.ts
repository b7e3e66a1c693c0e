import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { browserOf } from '#core/browser.ts';
import { rawBody } from '#core/body.ts';
import { ingest } from '#core/ingest.ts';
import { httpErrors, lowerHeaders } from './http.ts';
import { ingestPorts } from './ingest-ports.ts';

/** Both ingest functions: the proxy event becomes an IngestRequest; the source IP and user agent go no further. */
export function ingestHandler(agent: 'server' | 'browser') {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>().use(httpErrors()).handler(async (event) => {
    const headers = lowerHeaders(event);
    const { response } = await ingest(ingestPorts, {
      agent,
      headers,
      query: event.queryStringParameters ?? {},
      raw: rawBody(event.body, event.isBase64Encoded),
      browserFromUserAgent: agent === 'browser' ? browserOf(headers['user-agent']) : undefined,
    });
    return { statusCode: response.status, headers: response.headers, body: response.body };
  });
}

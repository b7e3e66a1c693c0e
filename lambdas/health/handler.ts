import '#wiring/aws.ts';
import type { APIGatewayProxyResult } from 'aws-lambda';

/** Liveness: constant answer, no data touched. */
export const handler = async (): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify({ status: 'ok', service: 'lethe', region: process.env.AWS_REGION ?? 'eu-west-1' }),
});

import '#wiring/aws.ts';
import middy from '@middy/core';
import { retentionPorts } from '#adapters/retention-store.ts';
import { flushMetrics, logger, observed } from '#adapters/observability.ts';
import { runRetentionAudit } from '#core/retention-audit.ts';

/** Scheduled (hourly): deletes what TTL left behind, data beyond shortened retention, terminated accounts. */
const run = async () => {
  const report = await runRetentionAudit(retentionPorts);
  await flushMetrics();
  logger.info('retention audit', { ...report, receipts: report.receipts.length });
  return report;
};

/** With the Lambda context and correlation id in its logs, and traced (src/adapters/observability.ts). */
export const handler = observed(middy(run), { traceAwsCalls: true });

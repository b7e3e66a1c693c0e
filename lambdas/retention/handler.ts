import '#wiring/aws.ts';
import { flushMetrics, retentionPorts } from '#adapters/retention-store.ts';
import { logger } from '#adapters/observability.ts';
import { runRetentionAudit } from '#core/retention-audit.ts';

/** Scheduled (hourly): deletes what TTL left behind, data beyond shortened retention, terminated accounts. */
export const handler = async () => {
  const report = await runRetentionAudit(retentionPorts);
  await flushMetrics();
  logger.info('retention audit', { ...report, receipts: report.receipts.length });
  return report;
};

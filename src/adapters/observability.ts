import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';

/** One logger for every function, one service name. Never log bodies, identifiers or secrets. */
export const logger = new Logger({
  serviceName: 'lethe',
  logLevel: (process.env.LETHE_LOG_LEVEL as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined) ?? 'INFO',
});

/**
 * One metrics emitter (CloudWatch EMF, namespace Lethe), loaded and created when a function first records a
 * metric: only the scheduled jobs do, so the API functions do not pay for it at cold start.
 */
let emitter: Promise<Metrics> | undefined;
export const metrics = (): Promise<Metrics> =>
  (emitter ??= import('@aws-lambda-powertools/metrics').then(
    (m) => new m.Metrics({ namespace: 'Lethe', serviceName: 'lethe' }),
  ));

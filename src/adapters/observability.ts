import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type middy from '@middy/core';

/**
 * One observability module (Powertools) for every function, one service name:
 * - the Logger: JSON lines with the function's context and the API request id as correlation id; never a
 *   request body, an identifier or a secret (nothing here logs the event);
 * - the Tracer, in the functions that trace their AWS calls (the erasure worker and the jobs): X-Ray subsegments
 *   for every AWS SDK call, without responses or errors, so no payload reaches a trace. Every function has Lambda's
 *   active tracing (its own segments); the API stage does not trace (P2);
 * - Metrics: CloudWatch EMF in the namespace Lethe, loaded by the jobs that record metrics (see `metrics`).
 */
export const logger = new Logger({
  serviceName: 'lethe',
  logLevel: (process.env.LETHE_LOG_LEVEL as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined) ?? 'INFO',
});

let tracer: Tracer | undefined;
let tracerLoading: Promise<void> | undefined;

/**
 * Loads the Powertools Tracer on the first invocation of a function that traces its AWS calls (the erasure worker
 * and the jobs), before any SDK client exists (clients are created on first use). Not at module init: the X-Ray
 * SDK would add half again to a cold start (docs/benchmarks.md), and the API functions do not load it at all.
 */
const loadTracer = () =>
  (tracerLoading ??= import('@aws-lambda-powertools/tracer').then((m) => {
    tracer = new m.Tracer({ serviceName: 'lethe', captureHTTPsRequests: false });
    tracer.annotateColdStart();
  }));

/** An AWS SDK client whose calls are X-Ray subsegments when this function traces (operation, resource, status). */
export const traced = <C>(client: C): C => (tracer ? tracer.captureAWSv3Client(client) : client);

/**
 * The middlewares every function runs with: Lambda context and correlation id in the logs; with `traceAwsCalls`,
 * every AWS SDK call of the invocation is an X-Ray subsegment.
 */
export function observed<E, R>(
  handler: middy.MiddyfiedHandler<E, R>,
  options: { traceAwsCalls?: boolean } = {},
): middy.MiddyfiedHandler<E, R> {
  // the API request id (or the invocation's) as correlation id: it joins the function's log lines to the access log
  const correlation: middy.MiddlewareObj<E, R> = {
    before: async (request) => {
      const event = request.event as { requestContext?: { requestId?: string } } | undefined;
      logger.setCorrelationId(event?.requestContext?.requestId ?? request.context.awsRequestId);
      if (options.traceAwsCalls) await loadTracer();
    },
  };
  const context = injectLambdaContext(logger, { resetKeys: true }) as middy.MiddlewareObj<E, R>;
  return handler.use(context).use(correlation);
}

/**
 * One metrics emitter (CloudWatch EMF, namespace Lethe), loaded and created when a function first records a
 * metric: only the scheduled jobs do, and they flush it with `flushMetrics` at the end of their run.
 */
let emitter: Promise<Metrics> | undefined;
export const metrics = (): Promise<Metrics> =>
  (emitter ??= import('@aws-lambda-powertools/metrics').then(
    (m) => new m.Metrics({ namespace: 'Lethe', serviceName: 'lethe' }),
  ));
export async function flushMetrics(): Promise<void> {
  (await metrics()).publishStoredMetrics();
}

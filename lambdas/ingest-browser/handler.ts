import '#wiring/aws.ts';
import { ingestHandler } from '#adapters/ingest-handler.ts';

/** POST /v1/browser-events?key=pk_… — batches from browser agents (public key + allowed origin). */
export const handler = ingestHandler('browser');

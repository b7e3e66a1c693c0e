import '#wiring/aws.ts';
import { ingestHandler } from '#adapters/ingest-handler.ts';

/** POST /v1/events — signed batches from server-side agents. */
export const handler = ingestHandler('server');

import '#wiring/aws.ts';
import { routesFunction } from '#adapters/routes-handler.ts';
import { management } from '#core/routes/management.ts';
import { managementRoutePorts } from '#wiring/ports.ts';

/** Management API: the management routes of the route table, each one use case. */
export const handler = routesFunction(management, managementRoutePorts);

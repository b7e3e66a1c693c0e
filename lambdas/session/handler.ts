import '#wiring/aws.ts';
import { publicRoutesFunction } from '#adapters/routes-handler.ts';
import { SESSION_ROUTES } from '#core/routes/session.ts';
import { sessionPorts } from '#wiring/ports.ts';

/** The console's sign-in: the public session routes, the only function that sees a password (never logged). */
export const handler = publicRoutesFunction(SESSION_ROUTES, sessionPorts);

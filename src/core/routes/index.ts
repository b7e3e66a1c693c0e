import { backup } from './backup.ts';
import { breach } from './breach.ts';
import { management } from './management.ts';
import type { Route } from './route.ts';

export * from './route.ts';

/**
 * The management API, one list per function; each function's handler imports only its own list. The stack's API
 * resources and the OpenAPI document take them all.
 */
export const ROUTES = { management, backup, breach } as const;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- every route, whatever its ports
export type AnyRoute = Route<any>;
export const ALL_ROUTES: readonly AnyRoute[] = [...management, ...backup, ...breach];

import type * as z from '../zod.ts';
import type { Operation, Principal } from '../access.ts';
import type { BackupPorts, RestoreStarter } from '../backup.ts';
import type { RescrubJobs } from '../rescrub.ts';
import type { BreachPorts } from '../breach.ts';
import { badRequest } from '../errors.ts';
import type { AuditEntry, ErasureAdminPorts, ManagementPorts } from '../management.ts';
import type { UsersPorts } from '../users.ts';

/**
 * The management API, one route per entry: method, path, operation (the access matrix), request and response
 * schemas, and the use case it runs. The stack's API resources, each function's dispatch and the OpenAPI
 * document are all built from this list: a route is added here and nowhere else.
 */
export interface RouteRequest {
  path: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  /** header names in lower case */
  headers: Record<string, string | undefined>;
  /** the JSON body (undefined when there is none); malformed JSON is a 400 */
  body(): unknown;
  /** how long the invocation may still run */
  remainingMs?: number;
}

export interface RouteAnswer {
  body: unknown;
  headers?: Record<string, string>;
}

/** The functions that serve management routes. */
export type RouteFunction = 'management' | 'backup' | 'breach';

export interface Route<P> {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  fn: RouteFunction;
  operation: Operation;
  summary: string;
  /** the success status */
  status: 200 | 201 | 202;
  /** the JSON body it takes (a thunk: schemas for the document are built only when it is generated) */
  request?: () => z.ZodMiniType;
  /** the JSON body it answers (or `csv` for a text/csv download), built only for the document */
  response: () => z.ZodMiniType;
  /** the failure statuses it may answer, besides 401 and 403 which every route may */
  errors: number[];
  query?: Record<string, string>;
  /** request headers it reads (name → description) */
  headers?: Record<string, string>;
  run(p: P, who: Principal, req: RouteRequest): Promise<RouteAnswer>;
}

export type ManagementRoutePorts = ManagementPorts &
  ErasureAdminPorts &
  UsersPorts & {
    revokeKeys(accountId: string): Promise<number>;
    noticesFor(accountId: string): Promise<unknown[]>;
    /** the re-scrub jobs (src/core/rescrub.ts) */
    rescrub: RescrubJobs;
    /** lifts an ingest suspension; false if there was none (src/core/escalation.ts) */
    resumeIngest(accountId: string): Promise<boolean>;
    listAudit(accountId: string): Promise<unknown[]>;
    listFindings(accountId: string): Promise<unknown[]>;
  };
export type BackupRoutePorts = BackupPorts &
  RestoreStarter & { audit(entry: AuditEntry): Promise<void>; newId(): string };
export type BreachRoutePorts = BreachPorts & { audit(entry: AuditEntry): Promise<void>; newId(): string };

export const page = { cursor: 'from the previous page', limit: '1..500 (default 50)' };
export const limitOf = (q: RouteRequest['query']) => (q.limit ? Number(q.limit) : undefined);
export const need = (v: string | undefined, name: string) => {
  if (!v) throw badRequest(name, 'is required');
  return v;
};

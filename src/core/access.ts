import { forbidden } from './errors.ts';

/** Who may do what (docs/access.md). One matrix, enforced by the management API for every operation. */
export const ROLES = ['customer', 'support', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  sub: string;
  role: Role;
  /** accounts in scope; ['*'] = all (administrators) */
  accounts: string[];
}

export const OPERATIONS = {
  'accounts:create': ['admin'],
  'accounts:read': ['customer', 'support', 'admin'],
  'accounts:update': ['customer', 'admin'],
  'accounts:terminate': ['admin'],
  'keys:rotate': ['customer', 'admin'],
  'findings:read': ['customer', 'support', 'engineer', 'admin'],
  'users:search': ['customer', 'support', 'admin'],
  'users:export': ['customer', 'support', 'admin'],
  'users:restrict': ['customer', 'admin'],
  'interactions:read-anonymous': ['customer', 'support', 'engineer', 'admin'],
  'erasure:request': ['customer', 'admin'],
  'erasure:read': ['customer', 'support', 'admin'],
  'breach:report': ['admin'],
  'breach:read': ['admin'],
  'audit:read': ['customer', 'admin'],
  'backup:manage': ['admin'],
  'notices:read': ['customer', 'support', 'admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Operation = keyof typeof OPERATIONS;

export function inScope(p: Principal, accountId: string | undefined): boolean {
  return accountId === undefined ? p.accounts.includes('*') : p.accounts.includes('*') || p.accounts.includes(accountId);
}

/**
 * Throws 403 unless the principal's role allows the operation and the account is in its scope. The answer
 * is the same whether or not the account exists, so nothing leaks through the difference.
 */
export function authorize(p: Principal, op: Operation, accountId?: string): void {
  const roles = OPERATIONS[op] as readonly Role[];
  if (!roles.includes(p.role) || !inScope(p, accountId)) throw forbidden(`not allowed: ${op}`);
}

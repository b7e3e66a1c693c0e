import { forbidden } from './errors.ts';

/** Who may do what (docs/access.md). One matrix, enforced by the management API for every operation. */
export const ROLES = ['customer', 'support', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  sub: string;
  role: Role;
  /** accounts in scope; ['*'] = all (administrators) */
  accounts: string[];
  /** a customer's person: the accounts of their scope they administer (may invite teammates) */
  adminOf?: string[];
}

export const OPERATIONS = {
  'accounts:create': ['admin'],
  'accounts:read': ['customer', 'support', 'admin'],
  'accounts:update': ['customer', 'admin'],
  'accounts:terminate': ['admin'],
  'accounts:resume': ['admin'],
  'keys:rotate': ['customer', 'admin'],
  'findings:read': ['customer', 'support', 'engineer', 'admin'],
  'rescrub:manage': ['customer', 'admin'],
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
  // a customer's person only for the accounts they administer (src/core/people.ts)
  'people:invite': ['customer', 'support', 'admin'],
  'staff:invite': ['admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Operation = keyof typeof OPERATIONS;

/** An account scope entry: one account id, or '*' (every account, administrators). Nothing else. */
export const SCOPE_ENTRY = /^(?:\*|acc_[a-f0-9]{16})$/;
/** The longest a management token may live (the local bootstrap administrator token has 30 days). */
export const MAX_TOKEN_SECONDS = 30 * 86_400;

/**
 * The account scope as it travels from the authorizer to the function: a JSON array, never a joined string
 * (a comma inside an entry could otherwise widen it). Anything but an array of valid entries is no scope.
 */
export function scopeFromContext(value: unknown): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string' && SCOPE_ENTRY.test(a))
    ? (parsed as string[])
    : undefined;
}

export function inScope(p: Principal, accountId: string | undefined): boolean {
  return accountId === undefined
    ? p.accounts.includes('*')
    : p.accounts.includes('*') || p.accounts.includes(accountId);
}

/**
 * Throws 403 unless the principal's role allows the operation and the account is in its scope. The answer
 * is the same whether or not the account exists, so nothing leaks through the difference.
 */
export function authorize(p: Principal, op: Operation, accountId?: string): void {
  const roles = OPERATIONS[op] as readonly Role[];
  if (!roles.includes(p.role) || !inScope(p, accountId)) throw forbidden(`not allowed: ${op}`);
}

import { type Principal, type Role, SCOPE_ENTRY } from './access.ts';
import { badRequest, forbidden, unauthorized } from './errors.ts';
import { parseOr400 as parse } from './events.ts';
import type { Clock } from './clock.ts';
import { audited as audited2, type AuditEntry, noSuchAccount, type SessionOperation } from './management.ts';
import * as z from './zod.ts';

/**
 * The people who sign in (issue 21): customers' people and staff, in two Cognito user pools (lib/constructs/
 * people.ts). A customer's person sees the accounts of the `custom:accounts` attribute and administers those of
 * `custom:admin_of` (invites teammates); only Lethe writes them. Staff have one role, their group, over every
 * account, and MFA is required by their pool.
 */
export const ACCOUNTS_ATTRIBUTE = 'accounts';
export const ADMIN_OF_ATTRIBUTE = 'admin_of';
export const STAFF_GROUPS = ['support', 'engineer', 'admin'] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_GROUPS)[number];
export type PoolKind = 'customers' | 'staff';

const ACCOUNT_ID = /^acc_[a-f0-9]{16}$/;
/** A list attribute: account ids separated by commas (nothing else is kept). */
export const accountList = (v: unknown): string[] =>
  typeof v === 'string' ? [...new Set(v.split(',').filter((a) => ACCOUNT_ID.test(a)))] : [];
export const joinAccounts = (ids: string[]) => [...new Set(ids)].join(',');

/**
 * The principal of a verified Cognito ID token of the given pool. Throws on anything it cannot map: a staff token
 * must name exactly one staff group; a customer's person must have at least one account.
 */
export function principalFromClaims(kind: PoolKind, claims: Record<string, unknown>): Principal {
  if (typeof claims.sub !== 'string') throw new Error('no sub');
  if (kind === 'staff') {
    const groups = Array.isArray(claims['cognito:groups']) ? (claims['cognito:groups'] as unknown[]) : [];
    const roles = STAFF_GROUPS.filter((g) => groups.includes(g));
    if (roles.length !== 1) throw new Error('a staff token names exactly one role');
    return { sub: `staff:${claims.sub}`, role: roles[0]!, accounts: ['*'] };
  }
  const accounts = accountList(claims[`custom:${ACCOUNTS_ATTRIBUTE}`]);
  if (!accounts.length) throw new Error('no account');
  const adminOf = accountList(claims[`custom:${ADMIN_OF_ATTRIBUTE}`]).filter((a) => accounts.includes(a));
  if (!accounts.every((a) => SCOPE_ENTRY.test(a))) throw new Error('malformed scope');
  return { sub: `person:${claims.sub}`, role: 'customer', accounts, adminOf };
}

// ---- sign-in (the public session routes) ----

export type Challenge = 'NEW_PASSWORD_REQUIRED' | 'MFA_SETUP' | 'SOFTWARE_TOKEN_MFA';
export type SignInStep =
  | { tokens: { idToken: string; refreshToken?: string; expiresIn: number } }
  | { challenge: Challenge; session: string; secret?: string };

/**
 * Cognito, as the session and management functions use it (src/adapters/people-store.ts). A wrong password (code,
 * session, token) throws `WrongCredentials`.
 */
export interface Directory {
  signIn(kind: PoolKind, email: string, password: string): Promise<SignInStep>;
  answer(
    kind: PoolKind,
    email: string,
    challenge: Challenge,
    session: string,
    a: { newPassword?: string; code?: string },
  ): Promise<SignInStep>;
  refresh(kind: PoolKind, refreshToken: string): Promise<SignInStep>;
  signOut(kind: PoolKind, refreshToken: string): Promise<void>;
  forgot(kind: PoolKind, email: string): Promise<void>;
  reset(kind: PoolKind, email: string, code: string, newPassword: string): Promise<void>;
  /** invites a person (Cognito mails the temporary password), or gives one who exists the accounts */
  invite(
    kind: PoolKind,
    email: string,
    grant: { accounts?: string[]; adminOf?: string[]; group?: StaffRole },
  ): Promise<'invited' | 'granted'>;
}

export interface SessionPorts {
  clock: Clock;
  directory: Directory;
  audit(entry: AuditEntry): Promise<void>;
  /** a keyed hash of an e-mail address, for the audit of a failed sign-in (never the address) */
  pseudonym(email: string): Promise<string>;
}

export const SignInSchema = z.strictObject({
  email: z.string().check(z.regex(/^[^@\s]{1,64}@[^@\s]{1,255}$/), z.maxLength(320)),
  password: z.string().check(z.minLength(1), z.maxLength(256)),
  staff: z.optional(z.boolean()),
});
export const ChallengeSchema = z.strictObject({
  email: z.string().check(z.maxLength(320)),
  challenge: z.enum(['NEW_PASSWORD_REQUIRED', 'MFA_SETUP', 'SOFTWARE_TOKEN_MFA']),
  session: z.string().check(z.minLength(1), z.maxLength(4096)),
  newPassword: z.optional(z.string().check(z.maxLength(256))),
  code: z.optional(z.string().check(z.regex(/^\d{6}$/))),
  staff: z.optional(z.boolean()),
});
export const RefreshSchema = z.strictObject({
  refreshToken: z.string().check(z.minLength(1), z.maxLength(4096)),
  staff: z.optional(z.boolean()),
});
export const ForgotSchema = z.strictObject({
  email: z.string().check(z.maxLength(320)),
  staff: z.optional(z.boolean()),
});
export const ResetSchema = z.strictObject({
  email: z.string().check(z.maxLength(320)),
  code: z.string().check(z.regex(/^\d{6}$/)),
  newPassword: z.string().check(z.maxLength(256)),
  staff: z.optional(z.boolean()),
});
export const InviteSchema = z.strictObject({
  email: z.string().check(z.regex(/^[^@\s]{1,64}@[^@\s]{1,255}$/), z.maxLength(320)),
  admin: z.optional(z.boolean()),
});
export const StaffInviteSchema = z.strictObject({
  email: z.string().check(z.regex(/^[^@\s]{1,64}@[^@\s]{1,255}$/), z.maxLength(320)),
  role: z.enum(STAFF_GROUPS),
});

export class WrongCredentials extends Error {
  override name = 'WrongCredentials';
}

const kindOf = (staff?: boolean): PoolKind => (staff ? 'staff' : 'customers');

/** A sign-in step, audited: who (a keyed hash of the address), never the password. */
async function audited(
  ports: SessionPorts,
  kind: PoolKind,
  email: string,
  operation: SessionOperation,
  step: () => Promise<SignInStep>,
): Promise<SignInStep> {
  const record = async (outcome: AuditEntry['outcome'], detail?: Record<string, unknown>) =>
    ports.audit({
      actor: `${kind}:${await ports.pseudonym(email)}`,
      role: kind === 'staff' ? 'staff' : 'customer',
      operation,
      outcome,
      at: ports.clock.nowMs(),
      detail,
    });
  try {
    const out = await step();
    await record('ok', 'challenge' in out ? { challenge: out.challenge } : { signedIn: true });
    return out;
  } catch (e) {
    if (e instanceof WrongCredentials) {
      await record('denied');
      throw unauthorized('wrong e-mail or password');
    }
    throw e;
  }
}

export const session = {
  signIn: async (ports: SessionPorts, body: unknown) => {
    const b = parse(SignInSchema, body);
    return audited(ports, kindOf(b.staff), b.email, 'session:sign-in', () =>
      ports.directory.signIn(kindOf(b.staff), b.email, b.password),
    );
  },
  answer: async (ports: SessionPorts, body: unknown) => {
    const b = parse(ChallengeSchema, body);
    if (b.challenge === 'NEW_PASSWORD_REQUIRED' && !b.newPassword) throw badRequest('newPassword', 'is required');
    if (b.challenge === 'SOFTWARE_TOKEN_MFA' && !b.code) throw badRequest('code', 'is required');
    const op = b.challenge === 'NEW_PASSWORD_REQUIRED' ? 'session:new-password' : 'session:mfa';
    return audited(ports, kindOf(b.staff), b.email, op, () =>
      ports.directory.answer(kindOf(b.staff), b.email, b.challenge, b.session, b),
    );
  },
  refresh: async (ports: SessionPorts, body: unknown) => {
    const b = parse(RefreshSchema, body);
    try {
      return await ports.directory.refresh(kindOf(b.staff), b.refreshToken);
    } catch (e) {
      if (e instanceof WrongCredentials) throw unauthorized('the session has ended: sign in again');
      throw e;
    }
  },
  signOut: async (ports: SessionPorts, body: unknown) => {
    const b = parse(RefreshSchema, body);
    await ports.directory.signOut(kindOf(b.staff), b.refreshToken);
    return { signedOut: true };
  },
  forgot: async (ports: SessionPorts, body: unknown) => {
    const b = parse(ForgotSchema, body);
    await audited(ports, kindOf(b.staff), b.email, 'session:forgot-password', async () => {
      await ports.directory.forgot(kindOf(b.staff), b.email);
      return { tokens: { idToken: '', expiresIn: 0 } };
    });
    // the same answer whether or not the address is known
    return { sent: 'if the address is known, a code is on its way' };
  },
  reset: async (ports: SessionPorts, body: unknown) => {
    const b = parse(ResetSchema, body);
    try {
      await audited(ports, kindOf(b.staff), b.email, 'session:reset-password', async () => {
        await ports.directory.reset(kindOf(b.staff), b.email, b.code, b.newPassword);
        return { tokens: { idToken: '', expiresIn: 0 } };
      });
    } catch (e) {
      if ((e as { kind?: string }).kind === 'unauthenticated') throw badRequest('code', 'is wrong or has expired');
      throw e;
    }
    return { reset: true };
  },
};

// ---- invitations (management routes) ----

export interface InvitePorts {
  clock: Clock;
  directory: Directory;
  audit(entry: AuditEntry): Promise<void>;
  getAccount(accountId: string): Promise<unknown>;
}

/**
 * An account's administrator (or support, or an administrator) adds a teammate: Cognito mails the invitation
 * with a temporary password; a person who already signs in is given the account.
 */
export async function invitePerson(ports: InvitePorts, p: Principal, accountId: string, body: unknown) {
  return audited2(ports, p, 'people:invite', accountId, async () => {
    if (p.role === 'customer' && !(p.adminOf ?? []).includes(accountId))
      throw forbidden('not allowed: people:invite (the account’s administrators only)');
    const b = parse(InviteSchema, body);
    if (!(await ports.getAccount(accountId))) throw noSuchAccount(p, 'people:invite');
    const outcome = await ports.directory.invite('customers', b.email, {
      accounts: [accountId],
      adminOf: b.admin ? [accountId] : [],
    });
    return { accountId, outcome, admin: !!b.admin };
  });
}

/** An administrator adds a staff member with one role (MFA is set up at the first sign-in). */
export async function inviteStaff(ports: InvitePorts, p: Principal, body: unknown) {
  return audited2(ports, p, 'staff:invite', undefined, async () => {
    const b = parse(StaffInviteSchema, body);
    const outcome = await ports.directory.invite('staff', b.email, { group: b.role });
    return { role: b.role, outcome };
  });
}

import { DEFAULT_RETENTION_DAYS, type RetentionCeiling, type RetentionFloor } from './retention.ts';
import type { ScrubRules } from './scrub/engine.ts';

export type AccountStatus = 'active' | 'terminated';

/**
 * What a secret encrypted with the project key is for: the KMS encryption context (`purpose`), so each
 * function's key policy can allow exactly the purposes its job needs (lib/constructs/lethe-function.ts).
 */
export const SECRET_PURPOSES = ['agent-secret', 'account-key'] as const;
export type SecretPurpose = (typeof SECRET_PURPOSES)[number];

/** An account's settings as the use cases see them (secrets already decrypted by the adapter). */
export interface Account {
  accountId: string;
  name: string;
  status: AccountStatus;
  retentionDays: number;
  /** after a lengthening of retention: the shorter one the items stored before still follow (the auditor's) */
  retentionFloor?: RetentionFloor;
  /** after a shortening: the longer one whose expiries the items stored before still carry (the auditor's) */
  retentionCeiling?: RetentionCeiling;
  pseudonymise: boolean;
  creatorEmail: string;
  adminEmail: string;
  /** who receives findings notices (src/core/notices.ts); the creator and the administrative contact if unset */
  noticeContacts?: string[];
  /** special categories kept arriving after the final notice (src/core/escalation.ts): agents are refused */
  ingestSuspended?: boolean;
  /** per-account key for identity hashes and pseudonyms (decrypted) */
  accountKey: Buffer;
  scrubRules: Omit<ScrubRules, 'hashKey'>;
  createdAt: number;
  /** raised by every change of settings: the ETag of the account (If-Match guards concurrent editors) */
  version: number;
}

/** The account's ETag, a strong validator of its settings. */
export const etagOf = (account: Pick<Account, 'version'>) => `"v${account.version}"`;

export interface Application {
  accountId: string;
  applicationId: string;
  name: string;
  browserKey: string;
  allowedOrigins: string[];
}

/** A server agent key: identified by keyId, secret decrypted by the adapter. */
export interface AgentKey {
  keyId: string;
  accountId: string;
  applicationId: string;
  secret: Buffer;
  /** epoch seconds after which the key is refused (set when it is rotated out); undefined = active */
  retiresAt?: number;
}

/** A key is refused once it has been rotated out and its overlap has passed. */
export const isLiveKey = (key: AgentKey | undefined, nowSec: number): key is AgentKey =>
  !!key && (key.retiresAt === undefined || key.retiresAt > nowSec);

export function defaultAccount(
  partial: Pick<Account, 'accountId' | 'name' | 'creatorEmail' | 'adminEmail' | 'accountKey' | 'createdAt'>,
): Account {
  return {
    status: 'active',
    retentionDays: DEFAULT_RETENTION_DAYS,
    pseudonymise: false,
    scrubRules: {},
    version: 0,
    ...partial,
  };
}

/** The API Gateway usage-plan key of an account: its agents are throttled per account by it. */
export function usagePlanKeyOf(accountId: string): string {
  return `lethe-agents-${accountId}`;
}

/** The usage plan that throttles agents, one API key per account. */
export const AGENT_USAGE_PLAN_NAME = 'lethe-agents';

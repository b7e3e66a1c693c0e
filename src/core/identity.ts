import { createHmac } from 'node:crypto';

/**
 * Identities are keyed hashes (P3, DESIGN "Data"): the per-user index key and the pseudonym are HMACs of
 * the identifier under the account's own key, so erasure requests, ledgers and receipts carry only hashes.
 */
export function userKeyOf(accountId: string, accountKey: Buffer, userId: string): string {
  return `${accountId}#${createHmac('sha256', accountKey).update(`index:${userId}`).digest('base64url').slice(0, 32)}`;
}

export function pseudonymOf(accountKey: Buffer, userId: string): string {
  return `p_${createHmac('sha256', accountKey).update(`pseudonym:${userId}`).digest('base64url').slice(0, 22)}`;
}

/** The label stored and shown for a user: the identifier itself, or its pseudonym when the account asks for it. */
export function labelOf(accountKey: Buffer, userId: string, pseudonymise: boolean): string {
  return pseudonymise ? pseudonymOf(accountKey, userId) : userId;
}

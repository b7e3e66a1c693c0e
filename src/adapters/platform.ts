import type { SecretPurpose } from '#core/accounts.ts';
import type { ExportSummary } from '#core/backup.ts';
import type { PublishAlert } from './alerts.ts';
import type { SendMail } from './mailer.ts';
import type { SecretBox } from './secret-box.ts';

/**
 * What differs between AWS and the local runtime, as ports: the adapters use these and never ask where they
 * run. One wiring module per runtime builds it once (src/wiring/aws.ts, src/wiring/local.ts).
 */
export interface Platform {
  name: 'aws' | 'local';
  secretBox: SecretBox & { decryptCached(cipher: string, purpose: SecretPurpose): Promise<Buffer> };
  /** the key that signs management tokens */
  signingKey(): Promise<Uint8Array>;
  /** the key of the audit trail's pseudonyms of sign-in addresses (not the token key: it cannot mint tokens) */
  auditPepper(): Promise<Uint8Array>;
  sendMail: SendMail;
  publishAlert: PublishAlert;
  /** an export of one table into the backup bucket's exports/ prefix */
  exportTable(tableName: string, nowMs: number): Promise<ExportSummary>;
  /** onboarding: the account's key in the agents' usage plan (per-account throttling) */
  registerUsagePlanKey(accountId: string): Promise<void>;
}

let current: Platform | undefined;

/** Installs the platform of this process (the local runtime does, before any handler runs). */
export function usePlatform(p: Platform): void {
  current = p;
}

/** Installs `p` unless a platform is installed already (a handler's module names AWS as its default). */
export function defaultPlatform(p: () => Platform): void {
  current ??= p();
}

export function platform(): Platform {
  if (!current)
    throw new Error('no platform installed: a handler imports src/wiring/aws.ts; the local runtime installs its own');
  return current;
}

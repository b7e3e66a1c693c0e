// The AWS wiring: every platform port on its AWS service. Each Lambda handler imports this module first; it
// installs the AWS platform unless the local runtime has installed its own in this process.
import { snsAlerts } from '#adapters/alerts.ts';
import { secretsManagerKey, secretsManagerSigningKey } from '#adapters/auth.ts';
import { sesMailer } from '#adapters/mailer.ts';
import { defaultPlatform, type Platform } from '#adapters/platform.ts';
import { cachingBox, kmsBox } from '#adapters/secret-box.ts';
import { registerUsagePlanKey } from '#adapters/usage-plans.ts';

export function awsPlatform(): Platform {
  let key: Promise<Uint8Array> | undefined;
  let pepper: Promise<Uint8Array> | undefined;
  return {
    name: 'aws',
    secretBox: cachingBox(kmsBox),
    signingKey: () => (key ??= secretsManagerSigningKey()),
    auditPepper: () => (pepper ??= secretsManagerKey('AUDIT_PEPPER_ARN')),
    sendMail: sesMailer,
    publishAlert: snsAlerts,
    // only the backup function exports: the module is loaded there, not at every function's cold start
    exportTable: async (table, nowMs) => (await import('#adapters/backup-store.ts')).pointInTimeExport(table, nowMs),
    registerUsagePlanKey,
  };
}

defaultPlatform(awsPlatform);

// The local wiring (`npm start` and the tests): every platform port on the data folder. The runtime installs it
// before it runs any handler, so the handlers' own AWS default never applies.
import * as path from 'node:path';
import { fileAlerts } from '#adapters/alerts.ts';
import { localSigningKey } from '#adapters/auth.ts';
import { writeLocalExport } from '#adapters/backup-store.ts';
import { outboxMailer } from '#adapters/mailer.ts';
import type { Platform } from '#adapters/platform.ts';
import { cachingBox, localBox } from '#adapters/secret-box.ts';

export function localPlatform(dataDir: string): Platform {
  return {
    name: 'local',
    secretBox: cachingBox(localBox(dataDir)),
    signingKey: async () => localSigningKey(dataDir),
    auditPepper: async () => localSigningKey(dataDir, 'audit-pepper.key'),
    sendMail: outboxMailer(path.join(dataDir, 'outbox')),
    publishAlert: fileAlerts(dataDir),
    exportTable: writeLocalExport,
    // the local gateway requires the key but does not throttle: there is no usage plan to register with
    registerUsagePlanKey: async () => {},
  };
}

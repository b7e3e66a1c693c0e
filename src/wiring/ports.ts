import { cognitoDirectory, emailPseudonym } from '#adapters/people-store.ts';
import type { SessionPorts } from '#core/people.ts';
// The ports each function's use cases run with, assembled once, here: handlers only pick theirs.
import { randomBytes } from 'node:crypto';
import * as accounts from '#adapters/accounts-store.ts';
import { appendAudit, listAudit } from '#adapters/audit-store.ts';
import { backupPorts } from '#adapters/backup-store.ts';
import { breachPorts, noticesFor } from '#adapters/breach-store.ts';
import { findingNoticesFor } from '#adapters/notices-store.ts';
import { escalationPorts } from '#adapters/escalation-store.ts';
import { resumeIngest } from '#core/escalation.ts';
import { executionJobs } from '#adapters/execution-jobs.ts';
import type { RescrubPosition } from '#core/rescrub.ts';
import { ENV } from '#core/schema.ts';

import { erasureAdminPorts } from '#adapters/erasure-start.ts';
import { restoreStarter } from '#adapters/restore-start.ts';
import { usersStore } from '#adapters/users-store.ts';
import { exportStore } from '#adapters/export-store.ts';
import { systemClock } from '#core/clock.ts';
import type { BackupRoutePorts, BreachRoutePorts, ManagementRoutePorts } from '#core/routes/index.ts';

/** Re-scrubs run as executions of the RescrubJob state machine, named by their ids (lib/stateless/jobs.ts). */
const rescrubJobs = executionJobs<RescrubPosition>(ENV.rescrubStateMachine, ['PrepareRescrub', 'RescrubPart']);

export const managementRoutePorts: ManagementRoutePorts = {
  ...erasureAdminPorts,
  ...usersStore,
  ...exportStore,
  clock: systemClock,
  directory: cognitoDirectory,
  createAccount: accounts.createAccount,
  getAccount: accounts.getAccount,
  listApplications: accounts.listApplications,
  listKeys: accounts.listKeys,
  updateAccount: accounts.updateAccount,
  rotateKey: accounts.rotateKey,
  revokeKeys: accounts.revokeKeys,
  audit: appendAudit,
  noticesFor: async (accountId) => [
    ...(await noticesFor(accountId)).map((n) => ({ type: 'breach', ...n })),
    ...(await findingNoticesFor(accountId)),
  ],
  listAudit: (accountId) => listAudit(accountId),
  resumeIngest: (accountId) => resumeIngest(escalationPorts, accountId),
  rescrub: {
    startRescrub: (input) => rescrubJobs.start(input.rescrubId, input),
    rescrubStatus: (id) => rescrubJobs.status(id),
    stopRescrub: (id) => rescrubJobs.stop(id),
  },
  listFindings: accounts.listFindings,
};

export const backupRoutePorts: BackupRoutePorts = {
  ...backupPorts,
  ...restoreStarter,
  audit: appendAudit,
  newId: () => randomBytes(8).toString('hex'),
};

export const breachRoutePorts: BreachRoutePorts = {
  ...breachPorts,
  audit: appendAudit,
  newId: () => randomBytes(8).toString('hex'),
};

export const sessionPorts: SessionPorts = {
  clock: systemClock,
  directory: cognitoDirectory,
  audit: appendAudit,
  pseudonym: emailPseudonym,
};

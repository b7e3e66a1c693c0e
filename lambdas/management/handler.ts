import * as accounts from '#adapters/accounts-store.ts';
import { appendAudit, listAudit } from '#adapters/audit-store.ts';
import { noticesFor } from '#adapters/breach-store.ts';
import { erasureAdminPorts } from '#adapters/erasure-start.ts';
import { routesFunction } from '#adapters/routes-handler.ts';
import { usersStore } from '#adapters/users-store.ts';
import { systemClock } from '#core/clock.ts';
import { type ManagementRoutePorts, ROUTES } from '#core/routes.ts';

const ports: ManagementRoutePorts = {
  ...erasureAdminPorts,
  ...usersStore,
  clock: systemClock,
  createAccount: accounts.createAccount,
  getAccount: accounts.getAccount,
  listApplications: accounts.listApplications,
  listKeys: accounts.listKeys,
  updateAccount: accounts.updateAccount,
  rotateKey: accounts.rotateKey,
  revokeKeys: accounts.revokeKeys,
  audit: appendAudit,
  noticesFor,
  listAudit: (accountId) => listAudit(accountId),
  listFindings: accounts.listFindings,
};

/** Management API: the management routes of the route table, each one use case. */
export const handler = routesFunction(ROUTES.management, ports);

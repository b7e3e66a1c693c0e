import { systemClock } from '#core/clock.ts';
import type { IngestPorts } from '#core/ingest.ts';
import * as accounts from './accounts-store.ts';
import * as interactions from './interactions-store.ts';

/** The ingest use case wired to DynamoDB and the project key. */
export const ingestPorts: IngestPorts = {
  clock: systemClock,
  findKey: accounts.findKey,
  findBrowserApp: accounts.findBrowserApp,
  getAccount: accounts.getAccount,
  rememberSignature: accounts.rememberSignature,
  forgetSignature: accounts.forgetSignature,
  restrictedUsers: interactions.restrictedUsers,
  storeInteractions: interactions.storeInteractions,
  touchUsers: interactions.touchUsers,
  recordFindings: interactions.recordFindings,
};

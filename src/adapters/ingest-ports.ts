import { systemClock } from '#core/clock.ts';
import type { AgentKey, Account, Application } from '#core/accounts.ts';
import type { IngestPorts, UserTouch } from '#core/ingest.ts';
import * as accounts from './accounts-store.ts';
import * as interactions from './interactions-store.ts';
import { enqueueNotices } from './notices-store.ts';
import { logger } from './observability.ts';
import { TtlCache } from './ttl-cache.ts';

/**
 * Hot-path caches of this container. Keys and account settings are read at most every few seconds, so a
 * revoked key, a terminated account or a new retention setting takes effect within CONFIG_TTL_MS.
 * A user's row is rewritten at most once a minute (last-seen has minute resolution).
 */
export const CONFIG_TTL_MS = Number(process.env.LETHE_CONFIG_CACHE_MS ?? 5_000);
const keys = new TtlCache<AgentKey | undefined>(CONFIG_TTL_MS);
const apps = new TtlCache<Application | undefined>(CONFIG_TTL_MS);
const settings = new TtlCache<Account | undefined>(CONFIG_TTL_MS);
const touched = new TtlCache<string>(Number(process.env.LETHE_USER_TOUCH_MS ?? 60_000));

/** Drops the caches (tests that change settings and expect them at once, and the local runtime). */
export function clearIngestCaches(): void {
  keys.clear();
  apps.clear();
  settings.clear();
  touched.clear();
}

async function touchUsers(users: UserTouch[]): Promise<void> {
  const due = users.filter((u) => touched.get(`${u.userKey}|${u.label}`) === undefined);
  if (!due.length) return;
  await interactions.touchUsers(due);
  for (const u of due) touched.set(`${u.userKey}|${u.label}`, '1');
}

/** The ingest use case wired to DynamoDB and the project key. */
export const ingestPorts: IngestPorts = {
  clock: systemClock,
  findKey: (id) => keys.getOrLoad(id, () => accounts.findKey(id)),
  findBrowserApp: (k) => apps.getOrLoad(k, () => accounts.findBrowserApp(k)),
  getAccount: (id) => settings.getOrLoad(id, () => accounts.getAccount(id)),
  rememberSignature: accounts.rememberSignature,
  forgetSignature: accounts.forgetSignature,
  restrictedUsers: interactions.restrictedUsers,
  storeInteractions: interactions.storeInteractions,
  touchUsers,
  recordFindings: interactions.recordFindings,
  async announceFindings(accountId, applicationId, fresh) {
    try {
      await enqueueNotices(
        fresh.map((f) => ({ type: 'finding' as const, accountId, applicationId, kind: f.kind, detector: f.detector })),
      );
    } catch (e) {
      // the batch is stored; the day's digest still names the finding
      logger.warn('findings notice not queued', { error: (e as Error).name });
    }
  },
};

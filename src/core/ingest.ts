import { type Account, type AgentKey, type Application, isLiveKey } from './accounts.ts';
import { loadPatternEngine } from './scrub/patterns.ts';
import { shapeOf } from './scrub/shape.ts';
import { checkTimestamp, sign, signatureMatches } from './signing.ts';
import { badRequest, conflict, DomainError, forbidden, tooLarge, unauthorized } from './errors.ts';
import { type AgentEvent, type Batch, BatchSchema, browserBatchSchema, parseOr400 } from './events.ts';
import { inflate, parseJson } from './body.ts';
import { LIMITS } from './limits.ts';
import { cleanBrowser } from './browser.ts';
import { interactionsPk, timeSortKey } from './shards.ts';
import { expiresAt } from './retention.ts';
import { labelOf, userKeyOf } from './identity.ts';
import { type FieldKind, scrub } from './scrub/engine.ts';
import type { Clock } from './clock.ts';

/** What ingest stores: one item per event, no IP, no user-agent string, identity only as label + keyed hash. */
export interface InteractionItem {
  pk: string;
  sk: string;
  accountId: string;
  applicationId: string;
  eventId: string;
  type: string;
  ts: number;
  duration: number;
  outcome: string;
  url?: string;
  label?: string;
  error?: string;
  queries?: string[];
  services?: Array<{ url: string; duration: number; status: number }>;
  browser?: { family: string; version: string };
  userKey?: string;
  user?: string;
  expiresAt: number;
}

export interface UserTouch {
  accountId: string;
  userKey: string;
  label: string;
  lastSeen: number;
  expiresAt: number;
}

export interface FindingCount {
  kind: FieldKind;
  detector: string;
  count: number;
  /** the shape of the scrubbed value (scrub/shape.ts): placeholders and punctuation, never its text */
  example: string;
}

/** Ports the ingest use case needs; adapters implement them for DynamoDB/KMS, and tests for memory. */
export interface IngestPorts {
  clock: Clock;
  findKey(keyId: string): Promise<AgentKey | undefined>;
  findBrowserApp(browserKey: string): Promise<Application | undefined>;
  getAccount(accountId: string): Promise<Account | undefined>;
  /** false when this signature was seen before (replay) */
  rememberSignature(signature: string, nowSec: number, expiresAt: number): Promise<boolean>;
  forgetSignature(signature: string): Promise<void>;
  /** user keys that must carry no identity: do-not-track or being erased */
  restrictedUsers(accountId: string, userKeys: string[]): Promise<Set<string>>;
  /** idempotent by (pk, sk); throws RetryableError when the store cannot take them */
  storeInteractions(items: InteractionItem[]): Promise<void>;
  touchUsers(users: UserTouch[]): Promise<void>;
  /** findings expire with the account's retention (`expiresAt`, epoch seconds), renewed by each new occurrence */
  /** records findings; returns those of a (field kind, detector) the account never had before */
  recordFindings(
    accountId: string,
    findings: FindingCount[],
    nowMs: number,
    expiresAt: number,
  ): Promise<FindingCount[]>;
  /** tells the account's contacts of new findings (the notification queue); a failure must not fail the batch */
  announceFindings(accountId: string, applicationId: string, fresh: FindingCount[]): Promise<void>;
}

export interface IngestRequest {
  agent: 'server' | 'browser';
  /** header names in lower case */
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  raw: Buffer;
  /** browser agent: derived family/version when the event carries none (the raw UA is never stored) */
  browserFromUserAgent?: { family: string; version: string };
}

/**
 * How the answer goes back (the HTTP adapter builds it): signed with the key whose signature checked out, over
 * the request signature it answers (server agents), and shared with the allowed origin (browser agents).
 */
export interface AnswerContext {
  nowSec: number;
  signer?: { secret: Buffer; requestSignature: string };
  corsOrigin?: string;
}

/** Every event stored (`outcome`), or refused for a reason the agent can act on (`error`); an outage throws. */
export type IngestResult =
  { outcome: IngestOutcome; answer: AnswerContext } | { error: DomainError; answer: AnswerContext };

export interface IngestOutcome {
  accepted: number;
  expired: number;
  findings: number;
}

/** Below DynamoDB's 400 KB item limit, with room for attribute overhead. */
export const MAX_ITEM_BYTES = 350_000;

const FIELDS: Array<[keyof AgentEvent, FieldKind]> = [
  ['url', 'url'],
  ['label', 'label'],
  ['error', 'error'],
];

/** Builds the items of one event: scrubbed, anonymous unless identified, with its expiry. */
export function toItem(
  e: AgentEvent,
  account: Account,
  restricted: Set<string>,
  browserFallback: IngestRequest['browserFromUserAgent'],
  findings: Map<string, FindingCount>,
): InteractionItem {
  const rules = { ...account.scrubRules, hashKey: account.accountKey };
  const note = (kind: FieldKind, detectors: readonly string[], example: string | undefined) => {
    for (const d of detectors) {
      const k = `${kind}|${d}`;
      const f = findings.get(k) ?? {
        kind,
        detector: d,
        count: 0,
        example: example === undefined ? '(field dropped)' : shapeOf(example),
      };
      f.count++;
      findings.set(k, f);
    }
  };
  const item: InteractionItem = {
    pk: interactionsPk(account.accountId, e.applicationId, e.id),
    sk: `${timeSortKey(e.timestamp)}#${e.id}`,
    accountId: account.accountId,
    applicationId: e.applicationId,
    eventId: e.id,
    type: e.type,
    ts: e.timestamp,
    duration: e.duration,
    outcome: e.outcome,
    expiresAt: expiresAt(e.timestamp, account.retentionDays),
  };
  for (const [field, kind] of FIELDS) {
    const v = e[field] as string | undefined;
    if (v === undefined) continue;
    const r = scrub(kind, v, rules);
    note(kind, r.detectors, r.value);
    if (r.value !== undefined) (item as unknown as Record<string, unknown>)[field] = r.value;
  }
  if (e.queries) {
    item.queries = e.queries.map((q) => {
      const r = scrub('query', q, rules);
      note('query', r.detectors, r.value);
      return r.value ?? '?';
    });
  }
  if (e.services) {
    item.services = e.services.map((s) => {
      const r = scrub('service-url', s.url, rules);
      note('service-url', r.detectors, r.value);
      return { url: r.value ?? '{removed}', duration: s.duration, status: s.status };
    });
  }
  const browser = e.browser ?? browserFallback;
  if (browser) item.browser = cleanBrowser(browser);
  if (e.userId !== undefined && !e.doNotTrack) {
    const userKey = userKeyOf(account.accountId, account.accountKey, e.userId);
    if (!restricted.has(userKey)) {
      item.userKey = userKey;
      item.user = labelOf(account.accountKey, e.userId, account.pseudonymise);
    }
  }
  return item;
}

/**
 * The batch as validated. A browser agent knows only its public key, which names the application: its events may
 * leave `applicationId` out.
 */
function readBatch(agent: IngestRequest['agent'], body: Buffer, applicationId: string): Batch {
  if (agent === 'server') return parseOr400(BatchSchema, parseJson(body));
  const events = parseOr400(browserBatchSchema(), parseJson(body)).events;
  return { events: events.map((e) => ({ ...e, applicationId: e.applicationId ?? applicationId })) };
}

/** The account a batch is for, if it takes events: active (not terminated) and not suspended. */
async function acceptingAccount(ports: IngestPorts, accountId: string) {
  const account = await ports.getAccount(accountId);
  if (!account || account.status !== 'active') throw unauthorized('account is not active');
  if (account.ingestSuspended)
    throw forbidden(
      'ingest is suspended for this account: special categories of personal data kept arriving after the final notice; stop sending them and ask Lethe support to resume the account',
    );
  return account;
}

/**
 * The ingest use case: authenticate the agent, validate the batch, drop identities that must not be
 * kept, scrub every free-text field, and store every event idempotently. Success means all stored.
 */
export async function ingest(ports: IngestPorts, req: IngestRequest): Promise<IngestResult> {
  const now = ports.clock.nowMs();
  const nowSec = Math.floor(now / 1000);
  let signature: string | undefined;
  const answer: AnswerContext = { nowSec };
  try {
    const maxBody = req.agent === 'browser' ? LIMITS.browserMaxBodyBytes : LIMITS.maxBodyBytes;
    if (req.raw.length > maxBody) throw tooLarge(`body is ${req.raw.length} bytes; the limit is ${maxBody}`);

    let applicationId: string;
    let accountId: string;
    if (req.agent === 'server') {
      const keyId = req.headers['x-lethe-key-id'];
      const ts = req.headers['x-lethe-timestamp'];
      signature = req.headers['x-lethe-signature'];
      if (!keyId) throw unauthorized('X-Lethe-Key-Id is missing');
      if (!signature) throw unauthorized('X-Lethe-Signature is missing');
      const tsCheck = checkTimestamp(ts, nowSec, LIMITS.signatureWindowSeconds);
      if (tsCheck === 'malformed') throw badRequest('X-Lethe-Timestamp', 'must be unix seconds');
      const key = await ports.findKey(keyId);
      if (!isLiveKey(key, nowSec)) throw unauthorized('unknown or retired key');
      if (!signatureMatches(signature, sign(key.secret, ts!, req.raw))) throw unauthorized('signature does not match');
      if (tsCheck === 'stale')
        throw unauthorized(`timestamp is more than ${LIMITS.signatureWindowSeconds}s away from server time`);
      answer.signer = { secret: key.secret, requestSignature: signature };
      applicationId = key.applicationId;
      accountId = key.accountId;
    } else {
      // Every answer, a refusal too, is readable by the page that asked: an agent on a page that may not send learns
      // so (401/403) and stops, instead of seeing a network error and retrying. Only an allowed origin gets a 200.
      const origin = req.headers.origin;
      answer.corsOrigin = origin;
      const app = await ports.findBrowserApp(req.query.key ?? '');
      if (!app) throw unauthorized('unknown browser key');
      if (!origin || !app.allowedOrigins.includes(origin))
        throw forbidden('Origin is not allowed for this application', 'Origin');
      applicationId = app.applicationId;
      accountId = app.accountId;
    }

    const account = await acceptingAccount(ports, accountId);
    if (account.scrubRules.extraPatterns?.length) await loadPatternEngine();

    // The browser limit holds for the batch as it will be read, not as it travelled: gzip cannot stretch it.
    const body = inflate(
      req.raw,
      req.headers['content-encoding'],
      req.agent === 'browser' ? LIMITS.browserMaxBodyBytes : LIMITS.maxInflatedBytes,
    );
    const batch = readBatch(req.agent, body, applicationId);
    const maxEvents = req.agent === 'browser' ? LIMITS.browserMaxEventsPerBatch : LIMITS.maxEventsPerBatch;
    if (batch.events.length > maxEvents)
      throw badRequest('events', `at most ${maxEvents} events per batch for this agent`);
    const seen = new Set<string>();
    batch.events.forEach((e, i) => {
      if (e.applicationId !== applicationId)
        throw badRequest(`events[${i}].applicationId`, 'does not match the application of the key');
      if (e.timestamp > now + 86_400_000)
        throw badRequest(`events[${i}].timestamp`, 'is more than a day in the future');
      if (seen.has(e.id)) throw badRequest(`events[${i}].id`, 'appears twice in the batch');
      seen.add(e.id);
    });

    const live = batch.events.filter((e) => expiresAt(e.timestamp, account.retentionDays) > nowSec);
    const identified = [
      ...new Set(
        live
          .filter((e) => e.userId !== undefined && !e.doNotTrack)
          .map((e) => userKeyOf(accountId, account.accountKey, e.userId!)),
      ),
    ];
    // the replay guard and the restriction lookup are independent: one round trip for both
    const [fresh, restrictedOrError] = await Promise.all([
      signature ? ports.rememberSignature(signature, nowSec, nowSec + 2 * LIMITS.signatureWindowSeconds) : true,
      identified.length ? ports.restrictedUsers(accountId, identified).catch((e: unknown) => e) : new Set<string>(),
    ]);
    if (!fresh)
      throw conflict('this signed request was already received (replay); sign every attempt with a fresh timestamp');

    try {
      if (!(restrictedOrError instanceof Set)) throw restrictedOrError;
      const restricted = restrictedOrError as Set<string>;
      const findings = new Map<string, FindingCount>();
      const items = live.map((e) => toItem(e, account, restricted, req.browserFromUserAgent, findings));
      // DynamoDB refuses items over 400 KB: refuse the batch before writing any of it
      const big = items.findIndex((i) => Buffer.byteLength(JSON.stringify(i)) > MAX_ITEM_BYTES);
      if (big >= 0)
        throw tooLarge(
          `events[${batch.events.indexOf(live[big]!)}] is too large to store (over ${MAX_ITEM_BYTES} bytes once scrubbed)`,
        );
      const users = new Map<string, UserTouch>();
      for (const it of items) {
        if (!it.userKey) continue;
        const prev = users.get(it.userKey);
        if (!prev || prev.lastSeen < it.ts)
          users.set(it.userKey, {
            accountId,
            userKey: it.userKey,
            label: it.user!,
            lastSeen: it.ts,
            expiresAt: it.expiresAt,
          });
      }
      await Promise.all([
        ports.storeInteractions(items),
        users.size ? ports.touchUsers([...users.values()]) : undefined,
        findings.size
          ? ports
              .recordFindings(accountId, [...findings.values()], now, expiresAt(now, account.retentionDays))
              .then((fresh) => (fresh.length ? ports.announceFindings(accountId, applicationId, fresh) : undefined))
          : undefined,
      ]);
      const outcome = {
        accepted: items.length,
        expired: batch.events.length - items.length,
        findings: [...findings.values()].reduce((s, f) => s + f.count, 0),
      };
      return { outcome, answer };
    } catch (e) {
      // Nothing acknowledged: let the agent retry the very same request.
      if (signature) await ports.forgetSignature(signature).catch(() => {});
      throw e;
    }
  } catch (e) {
    if (e instanceof DomainError) return { error: e, answer };
    throw e;
  }
}

import { OPERATIONS, ROLES, type Operation, type Role } from './access.ts';
import {
  AUDIT_RETENTION_DAYS,
  BREACH_RECORD_DAYS,
  ERASURE_RECORD_DAYS,
  RESTRICTION_DAYS,
  NOTICE_RECORD_DAYS,
} from './retention.ts';
import {
  BACKUP_RETENTION_DAYS,
  USER_EXPORT_DAYS,
  DEFAULT_TERMINATION_GRACE_DAYS,
  MAX_RETENTION_DAYS,
} from './retention.ts';

/**
 * P17: the personal-data inventory. One entry per place Lethe writes data: every table item type, every bucket
 * prefix, every log, trace, metric, alarm and topic, the e-mail channel and the local data folder. What each
 * holds, how long it lives (and from when), how erasure reaches it and who can read it.
 *
 * Tests hold the map to the system: every stateful resource of `cdk synth` is named here, every item the code
 * writes matches exactly one item type, and the canary sweep finds no erased or expired value anywhere.
 * `docs/data-map.md`, the Art. 30 record, the retention auditor, the erasure workflow's stores and the staff
 * access document are generated from or checked against it.
 */

/** What a place may hold. `user-*` categories are about the customers' end users (the data subjects). */
export const CATEGORIES = {
  'user-identifier': "the end user's identifier as the customer's agent sent it (or its pseudonym)",
  'user-key': "the keyed hash of the identifier (account#HMAC): pseudonymous, useless without the account's key",
  'interaction-data':
    'event type, times, durations, outcomes, scrubbed URL, label, error message and SQL shape, browser family and version',
  'contact-email':
    "customer staff's e-mail addresses (account creator, administrative contact, the people who sign in)",
  'staff-identity': 'who acted: the token subject of an operator or customer user, and their role',
  'operator-text': 'free text an operator typed (breach description, measures, contact point)',
  'request-metadata': 'request ids, times, resource paths (templates, never the URL), statuses, latencies, error names',
  'network-address':
    "the IP address of an AWS principal calling S3 (Lethe's functions or an operator), never an end user's",
  secret: 'keys and secrets, stored encrypted (no personal data)',
  configuration: 'names, settings, origins, scrub rules, counters (no personal data)',
  'detection-shape': 'what kind of personal data a scrubber found, with an example reduced to placeholders (no value)',
} as const;
export type Category = keyof typeof CATEGORIES;
/** Categories that identify or single out an end user or a customer's staff member. */
export const PERSONAL: readonly Category[] = [
  'user-identifier',
  'user-key',
  'interaction-data',
  'contact-email',
  'staff-identity',
  'operator-text',
  'network-address',
];

/** How long a place keeps what it holds. */
export type Retention =
  /** the account's retention setting (1..90 days), counted from `from`; enforced by TTL and the retention auditor */
  | { rule: 'account'; from: string }
  /** a fixed number of days from `from`, enforced by `by` */
  | { rule: 'days'; days: number; from: string; by: string }
  /** while the customer's contract runs; deleted by the retention auditor after the termination grace */
  | { rule: 'contract' };

/** How the right to be forgotten reaches a place. */
export type Erasure =
  /** the erasure workflow's step (an action of the erasure worker) removes the identity */
  | { by: 'workflow'; steps: Array<'tombstone' | 'erasePage' | 'finish'>; how: string }
  /** the place keeps no identifier: nothing to erase (the canary sweep checks it) */
  | { by: 'nothing-to-erase' }
  /** the place keeps only the keyed hash, on purpose: the proof of the erasure or of a restriction */
  | { by: 'kept-as-proof'; why: string }
  /** a copy kept only for disaster recovery: erasures are re-applied before any of it is used again */
  | { by: 'reapplied-on-restore'; how: string };

export type PlaceKind =
  | 'item'
  | 'object'
  | 'backup'
  | 'log'
  | 'trace'
  | 'metric'
  | 'alarm'
  | 'topic'
  | 'queue'
  | 'execution'
  | 'mail'
  | 'local-file'
  | 'secret'
  | 'key'
  | 'directory';

export interface Place {
  id: string;
  kind: PlaceKind;
  /** the synthesized resource(s): CDK logical ids without their hash suffix; none for places outside the templates */
  resources: string[];
  /** where inside it, in words (key layout, prefix, path) */
  where: string;
  /** items: the key layout that identifies this item type */
  key?: { pk: RegExp; sk: RegExp };
  /** objects: the key prefix */
  prefix?: string;
  holds: Category[];
  retention: Retention;
  erasure: Erasure;
  /** management operations through which it can be read (the roles follow from the access matrix) */
  readBy: Operation[];
  /** also readable by staff outside the API (IAM roles of lib/staff-access.ts) */
  staffDirect?: string;
  /** copied into the backup bucket's exports (the tables' PITR keeps every item type) */
  backedUp?: boolean;
  /** only in the local runtime (`npm start`) */
  localOnly?: boolean;
}

const ACC = 'acc_[a-f0-9]{16}';
const USER_KEY = `${ACC}#[A-Za-z0-9_-]{32}`;
const re = (s: string) => new RegExp(`^${s}$`);
const ts = '\\d{14}';

const FUNCTION_LOGS = [
  'HealthLogs',
  'IngestServerLogs',
  'IngestBrowserLogs',
  'ManagementLogs',
  'ErasureLogs',
  'RetentionLogs',
  'RestoreLogs',
  'RescrubLogs',
  'BackupLogs',
  'BreachLogs',
  'NotifyLogs',
  'ConsoleLogs',
  'AuthorizerLogs',
  'AgentAuthorizerLogs',
  'SessionLogs',
];
const noIdentity = { by: 'nothing-to-erase' } as const;
/** What a copy of every table holds (backups, the local engine's files). */
const EVERY_STORED_CATEGORY: Category[] = [
  'interaction-data',
  'user-identifier',
  'user-key',
  'contact-email',
  'staff-identity',
  'operator-text',
  'secret',
];

export const DATA_MAP: readonly Place[] = [
  // ---- Interactions table ----
  {
    id: 'interactions.event',
    kind: 'item',
    resources: ['Interactions'],
    backedUp: true,
    where:
      'Interactions: pk = <account>#<application>#<shard of the event id>, sk = <time>#<event id>; index byUser (userKey → sk) holds the same items',
    key: { pk: re(`${ACC}#app_[a-f0-9]{12}#\\d{1,3}`), sk: re(`${ts}#.+`) },
    holds: ['interaction-data', 'user-identifier', 'user-key'],
    retention: { rule: 'account', from: 'the event time' },
    erasure: {
      by: 'workflow',
      steps: ['erasePage'],
      how: 'removes `user` and `userKey` from every linked event, page by page, and verifies none is left',
    },
    readBy: ['users:search', 'users:export', 'interactions:read-anonymous'],
  },
  // ---- Users table ----
  {
    id: 'users.user',
    kind: 'item',
    resources: ['Users'],
    backedUp: true,
    where:
      'Users: pk = <account>#<shard of the userKey>, sk = <userKey>; index byLabel (the same pk → label); index byExpiry (the same pk → expiresAt, keys, lastSeen and erasing only: for the retention auditor). Also the restriction (do-not-track) and erasure tombstone rows, which keep only the hash',
    key: { pk: re(`${ACC}#\\d{1,3}`), sk: re(USER_KEY) },
    holds: ['user-identifier', 'user-key'],
    retention: {
      rule: 'account',
      from:
        "the user's last event (a restriction row: " +
        RESTRICTION_DAYS +
        ' days from when it was set; a tombstone: 90 days)',
    },
    erasure: {
      by: 'workflow',
      steps: ['tombstone', 'finish'],
      how: 'the tombstone removes the label at once; the row is deleted when the erasure finishes',
    },
    readBy: ['users:search', 'users:export'],
  },
  // ---- Accounts table ----
  {
    id: 'accounts.account',
    kind: 'item',
    resources: ['Accounts'],
    where:
      'Accounts: pk = ACCOUNT#<account>, sk = META (name, status, settings, scrub rules, encrypted account key, version)',
    key: { pk: re(`ACCOUNT#${ACC}`), sk: /^META$/ },
    holds: ['contact-email', 'configuration', 'secret'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: ['accounts:read'],
  },
  {
    id: 'accounts.person',
    kind: 'item',
    resources: ['Accounts'],
    where:
      'Accounts: pk = ACCOUNT#<account>, sk = PERSON#<e-mail> (a person invited to the console; on termination the account leaves their pool entry)',
    key: { pk: re(`ACCOUNT#${ACC}`), sk: /^PERSON#[^#\s]+@[^#\s]+$/ },
    holds: ['contact-email'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: [],
  },
  {
    id: 'accounts.application',
    kind: 'item',
    resources: ['Accounts'],
    where: 'Accounts: pk = ACCOUNT#<account>, sk = APP#<application> (name, browser key, allowed origins)',
    key: { pk: re(`ACCOUNT#${ACC}`), sk: /^APP#app_[a-f0-9]{12}$/ },
    holds: ['configuration'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: ['accounts:read'],
  },
  {
    id: 'accounts.browser-key',
    kind: 'item',
    resources: ['Accounts'],
    where: 'Accounts: pk = BKEY#<browser key>, sk = META (→ account, application)',
    key: { pk: /^BKEY#pk_[A-Za-z0-9_-]+$/, sk: /^META$/ },
    holds: ['configuration'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: [],
  },
  {
    id: 'accounts.agent-key',
    kind: 'item',
    resources: ['Accounts'],
    where: 'Accounts: pk = KEY#<key id>, sk = META (the agent secret, encrypted under the agent-secret KMS context)',
    key: { pk: /^KEY#[A-Za-z0-9_-]+$/, sk: /^META$/ },
    holds: ['secret'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: [],
  },
  {
    id: 'accounts.key-ref',
    kind: 'item',
    resources: ['Accounts'],
    where: 'Accounts: pk = ACCOUNT#<account>, sk = KEYREF#<key id> (which keys an account has)',
    key: { pk: re(`ACCOUNT#${ACC}`), sk: /^KEYREF#[A-Za-z0-9_-]+$/ },
    holds: ['configuration'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: ['accounts:read'],
  },
  {
    id: 'accounts.replay-guard',
    kind: 'item',
    resources: ['Accounts'],
    where: 'Accounts: pk = REPLAY#<request signature>, sk = META (a signed request seen once)',
    key: { pk: /^REPLAY#[A-Za-z0-9+/=_-]+$/, sk: /^META$/ },
    holds: ['configuration'],
    retention: { rule: 'days', days: 1, from: 'the request', by: 'TTL (expiresAt: the signature window)' },
    erasure: noIdentity,
    readBy: [],
  },
  {
    id: 'accounts.finding',
    kind: 'item',
    resources: ['Accounts'],
    where:
      'Accounts: pk = ACCOUNT#<account>, sk = FINDING#<field kind>#<detector> (count, first/last seen, example shape)',
    key: { pk: re(`ACCOUNT#${ACC}`), sk: /^FINDING#[^#]+#[^#]+$/ },
    holds: ['detection-shape'],
    retention: { rule: 'account', from: 'the latest finding of that kind' },
    erasure: noIdentity,
    readBy: ['findings:read'],
  },
  {
    id: 'accounts.notice',
    kind: 'item',
    resources: ['Accounts'],
    where:
      'Accounts: pk = ACCOUNT#<account>, sk = NOTICE#<time>#<id> (a findings notice sent: type, subject, how many recipients, field kinds, detectors, counts and example shapes; no address, no value)',
    key: { pk: re(`ACCOUNT#${ACC}`), sk: /^NOTICE#\d{14}#[0-9a-f]+$/ },
    holds: ['detection-shape', 'configuration'],
    retention: { rule: 'days', days: NOTICE_RECORD_DAYS, from: 'the notice', by: 'DynamoDB TTL (expiresAt)' },
    erasure: noIdentity,
    readBy: ['notices:read'],
  },
  {
    id: 'accounts.escalation',
    kind: 'item',
    resources: ['Accounts'],
    where:
      'Accounts: pk = ACCOUNT#<account>, sk = ESCALATION (special-category escalation: stage, since when, which categories; src/core/escalation.ts)',
    key: { pk: re(`ACCOUNT#${ACC}`), sk: /^ESCALATION$/ },
    holds: ['configuration'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: ['notices:read'],
  },
  {
    id: 'accounts.digest-marker',
    kind: 'item',
    resources: ['Accounts'],
    where: "Accounts: pk = ACCOUNT#<account>, sk = DIGEST#<day> (that day's digest is taken: a time only)",
    key: { pk: re(`ACCOUNT#${ACC}`), sk: /^DIGEST#\d{4}-\d{2}-\d{2}$/ },
    holds: ['configuration'],
    retention: { rule: 'days', days: 7, from: 'the digest', by: 'DynamoDB TTL (expiresAt)' },
    erasure: noIdentity,
    readBy: [],
  },
  {
    id: 'accounts.erasure-request',
    kind: 'item',
    resources: ['Accounts'],
    where: 'Accounts: pk = ACCOUNT#<account>, sk = ERASURE#<request id> (status, progress, receipt, who asked)',
    key: { pk: re(`ACCOUNT#${ACC}`), sk: /^ERASURE#er_[A-Za-z0-9]+$/ },
    holds: ['user-key', 'staff-identity'],
    retention: {
      rule: 'days',
      days: ERASURE_RECORD_DAYS,
      from: 'the request',
      by: 'TTL and the retention auditor (terminated accounts)',
    },
    erasure: {
      by: 'kept-as-proof',
      why: 'the receipt that the erasure was done; it names the person only by the keyed hash',
    },
    readBy: ['erasure:read'],
  },
  {
    id: 'accounts.erasure-pointer',
    kind: 'item',
    resources: ['Accounts'],
    where: 'Accounts: pk = ERASURE#<request id>, sk = META (→ account)',
    key: { pk: /^ERASURE#er_[A-Za-z0-9]+$/, sk: /^META$/ },
    holds: ['configuration'],
    retention: { rule: 'days', days: ERASURE_RECORD_DAYS, from: 'the request', by: 'TTL' },
    erasure: noIdentity,
    readBy: ['erasure:read'],
  },
  {
    id: 'accounts.breach',
    kind: 'item',
    resources: ['Accounts'],
    where:
      'Accounts: pk = BREACH#<breach id>, sk = META (what happened, consequences, measures, contact point, deadline)',
    key: { pk: /^BREACH#br_[A-Za-z0-9]+$/, sk: /^META$/ },
    holds: ['operator-text', 'staff-identity'],
    retention: {
      rule: 'days',
      days: BREACH_RECORD_DAYS,
      from: 'the report',
      by: 'TTL (the accountability period: proof to controllers and authorities, Art. 33(5))',
    },
    erasure: noIdentity,
    readBy: ['breach:read', 'notices:read'],
  },
  {
    id: 'accounts.breach-recipient',
    kind: 'item',
    resources: ['Accounts'],
    where: 'Accounts: pk = BREACH#<breach id>, sk = RCPT#<account>#<contact e-mail> (status, attempts, sent time)',
    key: { pk: /^BREACH#br_[A-Za-z0-9]+$/, sk: re(`RCPT#${ACC}#.+`) },
    holds: ['contact-email'],
    retention: {
      rule: 'days',
      days: BREACH_RECORD_DAYS,
      from: 'the report (so at most the contract plus this period)',
      by: 'TTL (the accountability period: proof that and when each contact was told)',
    },
    erasure: noIdentity,
    readBy: ['breach:read'],
  },
  {
    id: 'accounts.breach-index',
    kind: 'item',
    resources: ['Accounts'],
    where: 'Accounts: pk = BREACHES, sk = <breach id> (open, deadline)',
    key: { pk: /^BREACHES$/, sk: /^br_[A-Za-z0-9]+$/ },
    holds: ['configuration'],
    retention: { rule: 'days', days: BREACH_RECORD_DAYS, from: 'the report', by: 'TTL' },
    erasure: noIdentity,
    readBy: ['breach:read'],
  },
  // ---- Audit table ----
  {
    id: 'audit.entry',
    kind: 'item',
    resources: ['Audit'],
    where:
      'Audit: pk = <account> (or GLOBAL)#<shard of the sort key>, sk = <time>#<random> (who, role, operation, outcome, hashed subject, detail)',
    key: { pk: new RegExp(`^(?:${ACC}|GLOBAL)#\\d{1,3}$`), sk: re(`${ts}#[a-f0-9]{12}`) },
    holds: ['staff-identity', 'user-key'],
    retention: {
      rule: 'days',
      days: AUDIT_RETENTION_DAYS,
      from: 'the operation',
      by: 'TTL (functions may only PutItem; nobody can change or delete an entry)',
    },
    erasure: {
      by: 'kept-as-proof',
      why: 'who read or erased whose data is itself the accountability record; it names the person only by the keyed hash',
    },
    readBy: ['audit:read'],
  },
  // ---- Backup bucket ----
  {
    id: 'backups.exports',
    kind: 'object',
    resources: ['Backups'],
    prefix: 'exports/',
    where:
      'Backups bucket: exports/AWSDynamoDB/<export id>/… (full exports of the Interactions and Users tables, DynamoDB JSON, gzip)',
    holds: ['interaction-data', 'user-identifier', 'user-key'],
    retention: {
      rule: 'days',
      days: BACKUP_RETENTION_DAYS,
      from: 'the export',
      by: 'S3 lifecycle (noncurrent versions: 1 more day)',
    },
    erasure: {
      by: 'reapplied-on-restore',
      how: "a restore first re-applies every erasure of the ledger newer than the export and skips expired items and items beyond the account's current retention",
    },
    readBy: ['backup:manage'],
    staffDirect: 'none: no staff role may read the bucket',
  },
  {
    id: 'backups.pitr',
    kind: 'backup',
    resources: ['Interactions', 'Users', 'Accounts', 'Audit'],
    where: 'DynamoDB point-in-time recovery of the four tables (continuous backups kept by AWS)',
    holds: EVERY_STORED_CATEGORY,
    retention: {
      rule: 'days',
      days: BACKUP_RETENTION_DAYS,
      from: 'the change (a changed or deleted item can be restored this long after)',
      by: "the tables' recovery period (RecoveryPeriodInDays)",
    },
    erasure: {
      by: 'reapplied-on-restore',
      how: 'a point-in-time restore makes a new table that is exported and restored through the ledger, never served directly (docs/operations.md)',
    },
    readBy: [],
    staffDirect: 'IT administrators (restore only)',
  },
  {
    id: 'backups.user-exports',
    kind: 'object',
    resources: ['Backups'],
    prefix: 'user-exports/',
    where:
      "Backups bucket: user-exports/<account>/<random>.csv (one user's interactions as CSV, served by a 15-minute link; the key names no user)",
    holds: ['interaction-data'],
    retention: {
      rule: 'days',
      days: USER_EXPORT_DAYS,
      from: 'the export',
      by: 'S3 lifecycle rule expire-user-exports (noncurrent versions: 1 more day)',
    },
    erasure: noIdentity,
    readBy: ['users:export'],
    staffDirect: 'none: no staff role may read the bucket',
  },
  {
    id: 'backups.erasure-ledger',
    kind: 'object',
    resources: ['Backups'],
    prefix: 'erasure-ledger/',
    where: 'Backups bucket: erasure-ledger/<account>/<time>-<request id>.json (request id, account, userKey, time)',
    holds: ['user-key'],
    retention: {
      rule: 'days',
      days: BACKUP_RETENTION_DAYS,
      from: 'the erasure',
      by: 'S3 lifecycle: as long as any export it must correct',
    },
    erasure: { by: 'kept-as-proof', why: 'it is what re-applies the erasure to older exports' },
    readBy: ['backup:manage'],
  },
  {
    id: 'backups.access-logs',
    kind: 'object',
    resources: ['AccessLogs'],
    prefix: 'backups/',
    where: 'AccessLogs bucket: S3 server access logs of the backup bucket (requester, operation, object key)',
    holds: ['network-address', 'staff-identity', 'request-metadata'],
    retention: { rule: 'days', days: 90, from: 'the request', by: 'S3 lifecycle' },
    erasure: noIdentity,
    readBy: [],
    staffDirect: 'IT administrators (security investigations)',
  },
  // ---- Logs, traces, metrics, alarms, topics ----
  {
    id: 'logs.functions',
    kind: 'log',
    resources: FUNCTION_LOGS,
    where:
      'CloudWatch Logs, one group per function (Powertools JSON: level, message, request id, error name; never a body, identifier or secret)',
    holds: ['request-metadata'],
    retention: { rule: 'days', days: 30, from: 'the log line', by: 'log group retention' },
    erasure: noIdentity,
    readBy: [],
    staffDirect: 'engineers and IT administrators (lib/staff-access.ts)',
  },
  {
    id: 'logs.api-access',
    kind: 'log',
    resources: ['ApiAccessLogs'],
    where:
      'CloudWatch Logs: API Gateway access log (request id, time, method, resource path template, status, latency, API key id; no IP, no user agent, no URL)',
    holds: ['request-metadata'],
    retention: { rule: 'days', days: 30, from: 'the request', by: 'log group retention' },
    erasure: noIdentity,
    readBy: [],
    staffDirect: 'engineers and IT administrators',
  },
  {
    id: 'logs.erasure-workflow',
    kind: 'log',
    resources: ['ErasureWorkflowLogs'],
    where: "CloudWatch Logs: the erasure state machine's events, without execution data",
    holds: ['request-metadata'],
    retention: { rule: 'days', days: 30, from: 'the event', by: 'log group retention' },
    erasure: noIdentity,
    readBy: [],
    staffDirect: 'engineers and IT administrators',
  },
  {
    id: 'executions.erasure',
    kind: 'execution',
    resources: ['ErasureWorkflowStateMachine'],
    where:
      'Step Functions execution history of the erasure workflow (input and step results: request id, account, userKey, counts); locally <data>/stepfunctions/*.jsonl',
    holds: ['user-key', 'staff-identity'],
    retention: {
      rule: 'days',
      days: 90,
      from: 'the end of the execution',
      by: 'Step Functions (fixed by AWS); the local runtime deletes them likewise',
    },
    erasure: { by: 'kept-as-proof', why: 'the record of the erasure itself' },
    readBy: ['erasure:read'],
    staffDirect: 'IT administrators (operators start and follow erasures with the AWS CLI)',
  },
  {
    id: 'executions.jobs',
    kind: 'execution',
    resources: [
      'RetentionAuditStateMachine',
      'RetentionAuditLogs',
      'RestoreJobStateMachine',
      'RestoreJobLogs',
      'RescrubJobStateMachine',
      'RescrubJobLogs',
    ],
    where:
      "Step Functions execution history and events of the retention auditor (account ids, checkpoints: an Interactions key (time and event id) or a shard number, never a user's hash; counts) of restores (export id, table, file and line reached, counts) and of re-scrubs (account, range, an Interactions key reached, counts per detector); locally <data>/stepfunctions/*.jsonl",
    holds: ['configuration', 'request-metadata'],
    retention: {
      rule: 'days',
      days: 90,
      from: 'the end of the execution',
      by: 'Step Functions (fixed by AWS; its log group keeps 30 days); the local runtime deletes them likewise',
    },
    erasure: noIdentity,
    readBy: [],
    staffDirect: 'engineers and IT administrators',
  },
  {
    id: 'queue.breach-notifications',
    kind: 'queue',
    resources: ['NotificationsQueue', 'NotificationsDeadLetters'],
    where:
      'SQS: the breach notification queue and its dead-letter queue, one message per recipient (breach id, account id, role; never an address); locally <data>/sqs/*.json',
    holds: ['configuration'],
    retention: {
      rule: 'days',
      days: 14,
      from: 'the message was first sent',
      by: 'SQS message retention (4 days in the queue, 14 in the dead-letter queue); the local SQS drops them likewise',
    },
    erasure: noIdentity,
    readBy: [],
    staffDirect: 'engineers and IT administrators',
  },
  {
    id: 'traces.functions',
    kind: 'trace',
    resources: [],
    where:
      "AWS X-Ray: Lambda's segments of every function and the state machine's (names, durations); in the workflow worker and the jobs one subsegment per AWS call (operation, table or bucket, status; Powertools Tracer, without responses or errors); the API stage does not trace, so no client IP or URL is recorded",
    holds: ['request-metadata'],
    retention: { rule: 'days', days: 30, from: 'the trace', by: 'X-Ray (fixed by AWS)' },
    erasure: noIdentity,
    readBy: [],
    staffDirect: 'engineers and IT administrators',
  },
  {
    id: 'metrics.lethe',
    kind: 'metric',
    resources: [],
    where:
      'CloudWatch metrics, namespace Lethe (counts with the dimension service only), WAF rule metrics, AWS service metrics',
    holds: ['configuration'],
    retention: { rule: 'days', days: 455, from: 'the data point', by: 'CloudWatch (15 months, fixed by AWS)' },
    erasure: noIdentity,
    readBy: [],
    staffDirect: 'engineers and IT administrators',
  },
  {
    id: 'alarms.operators',
    kind: 'alarm',
    resources: [
      'ErasureWorkflowFailedAlarm',
      'RetentionAuditFailedAlarm',
      'RestoreJobFailedAlarm',
      'RescrubJobFailedAlarm',
      'NotificationsDeadLettersAlarm',
      'OperationsRetentionOverdueAlarm',
      'OperationsBreachDeadlineMissedAlarm',
    ],
    where: 'CloudWatch alarms on those metrics (fixed descriptions, no request data)',
    holds: ['configuration'],
    retention: { rule: 'days', days: 14, from: 'the state change (alarm history)', by: 'CloudWatch (fixed by AWS)' },
    erasure: noIdentity,
    readBy: [],
    staffDirect: 'engineers and IT administrators',
  },
  {
    id: 'topic.operators',
    kind: 'topic',
    resources: ['OperationsOperatorsTopic'],
    where:
      'SNS topic to the operators: alarms, and breach escalations (breach id, accounts and the contact addresses still not notified, so that an operator can reach them another way); locally <data>/alerts.jsonl',
    holds: ['contact-email', 'request-metadata'],
    retention: {
      rule: 'days',
      days: 30,
      from: 'delivery (SNS keeps no message after delivery; the local alerts file drops lines after 30 days)',
      by: 'SNS; the local lifecycle sweeper',
    },
    erasure: noIdentity,
    readBy: [],
    staffDirect: 'subscribed operators',
  },
  {
    id: 'mail.sent',
    kind: 'mail',
    resources: [],
    where:
      'E-mail through Amazon SES (breach notices, erasure receipts, findings notices and daily digests (field kinds, detectors, counts, example shapes; never a value) to the account contacts); locally one .eml per message in <data>/outbox',
    holds: ['contact-email', 'operator-text', 'user-key'],
    retention: {
      rule: 'days',
      days: 30,
      from: 'sending (SES keeps no content; the local outbox is swept after 30 days)',
      by: 'the local lifecycle sweeper',
    },
    erasure: noIdentity,
    readBy: [],
  },
  {
    id: 'secret.token-key',
    kind: 'secret',
    resources: ['TokenSigningKey'],
    where: 'Secrets Manager: the HMAC key that signs management tokens',
    holds: ['secret'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: [],
  },
  {
    id: 'secret.audit-pepper',
    kind: 'secret',
    resources: ['AuditPepper'],
    where: 'Secrets Manager: the HMAC key of the pseudonyms of sign-in e-mail addresses in the audit trail',
    holds: ['secret'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: [],
  },
  {
    id: 'people.person',
    kind: 'directory',
    resources: ['PeopleCustomers', 'PeopleStaff'],
    where:
      "Amazon Cognito user pools (eu-west-1): a person who signs in to the console (customers' people; staff): e-mail address, Cognito's password verifier, TOTP secret, the accounts they may see and administer (custom attributes), the staff role (group), sign-in events (threat protection)",
    holds: ['contact-email', 'staff-identity', 'secret', 'configuration'],
    // a customer's person until their last account's contract ends (the auditor deletes them with its records)
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: [],
  },
  {
    id: 'key.data',
    kind: 'key',
    resources: ['DataKey'],
    where: 'KMS: the project key that encrypts tables, buckets, logs, the topic and secrets',
    holds: ['secret'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: [],
  },
  // ---- The local runtime's data folder (npm start): 0700, files 0600 ----
  {
    id: 'local.cognito',
    kind: 'local-file',
    resources: [],
    localOnly: true,
    where:
      '<data>/cognito/user-pools.json: the local user pools (people as in the pools above, scrypt password hashes, TOTP secrets, hashes of refresh tokens, the pools’ signing keys)',
    holds: ['contact-email', 'staff-identity', 'secret', 'configuration'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: [],
  },
  {
    id: 'local.dynamodb',
    kind: 'local-file',
    resources: [],
    localOnly: true,
    where: "<data>/dynamodb: dynalite's LevelDB files (every table above)",
    holds: EVERY_STORED_CATEGORY,
    retention: {
      rule: 'days',
      days: AUDIT_RETENTION_DAYS,
      from: 'the write, as each item type above (the longest: audit entries)',
      by: 'the local TTL sweeper and auditor; the files are rewritten (LevelDB compaction) after every erasure, TTL sweep and scheduled job, and on stop, so deleted values leave the disk',
    },
    erasure: {
      by: 'workflow',
      steps: ['erasePage', 'finish'],
      how: 'as the tables above, then the files are compacted',
    },
    readBy: [],
    staffDirect: 'the developer running it',
  },
  {
    id: 'local.s3',
    kind: 'local-file',
    resources: [],
    localOnly: true,
    where: "<data>/s3: s3rver's objects (the buckets above)",
    holds: EVERY_STORED_CATEGORY,
    retention: {
      rule: 'days',
      days: 90,
      from: 'the upload, as each bucket above (the longest: access logs)',
      by: 'the local lifecycle sweeper',
    },
    erasure: { by: 'reapplied-on-restore', how: 'as the backup bucket' },
    readBy: [],
    staffDirect: 'the developer running it',
  },
  {
    id: 'local.runtime-files',
    kind: 'local-file',
    resources: [],
    localOnly: true,
    where:
      '<data>/auth (the token key, the audit pepper, the bootstrap token, local AWS credentials), <data>/endpoints.json, <data>/running.pid, <data>/demo.json (the demo shop account: ids and its public browser key)',
    holds: ['secret', 'configuration'],
    retention: { rule: 'contract' },
    erasure: noIdentity,
    readBy: [],
    staffDirect: 'the developer running it',
  },
];

/** The CloudFormation types that hold or pass on data: each synthesized one must be named by a place. */
export const STATEFUL_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::Logs::LogGroup',
  'AWS::SQS::Queue',
  'AWS::StepFunctions::StateMachine',
  'AWS::SecretsManager::Secret',
  'AWS::SNS::Topic',
  'AWS::KMS::Key',
  'AWS::CloudWatch::Alarm',
  'AWS::Cognito::UserPool',
] as const;

/** The item type of a stored item (by the table's logical id and the item's key), or undefined if none. */
export function itemTypeOf(table: string, item: { pk?: unknown; sk?: unknown }): Place | undefined {
  const matches = DATA_MAP.filter(
    (p) =>
      p.kind === 'item' &&
      p.resources.includes(table) &&
      p.key!.pk.test(String(item.pk)) &&
      p.key!.sk.test(String(item.sk)),
  );
  return matches.length === 1 ? matches[0] : undefined;
}

/** A place's fixed retention in days (for the local runtime's sweepers, which enforce what AWS enforces). */
export function fixedDays(id: string): number {
  const r = DATA_MAP.find((p) => p.id === id)?.retention;
  if (r?.rule !== 'days') throw new Error(`${id}: no fixed retention in the data map`);
  return r.days;
}

export const isPersonal = (p: Place) => p.holds.some((c) => PERSONAL.includes(c));

/** The longest any byte can live, counting backups: live retention plus the backup period. */
export function longestLifetime(): string {
  return (
    `${MAX_RETENTION_DAYS} days live (the account's setting, 1–${MAX_RETENTION_DAYS}), plus at most ${BACKUP_RETENTION_DAYS} days in backups, beyond use: ` +
    "a restore drops items that have expired or are older than the account's current retention, and re-applies every erasure of the ledger. " +
    `After a contract ends, everything of the account goes after the termination grace (default ${DEFAULT_TERMINATION_GRACE_DAYS}, at most ${MAX_RETENTION_DAYS} days), backups within ${BACKUP_RETENTION_DAYS} more.`
  );
}

/** The roles that can read a place through the API (from the access matrix). */
export function readersOf(p: Place): Role[] {
  return ROLES.filter((r) => p.readBy.some((op) => (OPERATIONS[op] as readonly Role[]).includes(r)));
}

export function retentionText(r: Retention): string {
  if (r.rule === 'account') return `the account's retention (1–${MAX_RETENTION_DAYS} days) from ${r.from}`;
  if (r.rule === 'contract')
    return `while the contract runs; deleted ${DEFAULT_TERMINATION_GRACE_DAYS} days (at most ${MAX_RETENTION_DAYS}) after it ends`;
  return `${r.days} days from ${r.from} (${r.by})`;
}

export function erasureText(e: Erasure): string {
  if (e.by === 'workflow') return `erasure workflow (${e.steps.join(', ')}): ${e.how}`;
  if (e.by === 'nothing-to-erase') return 'holds no end-user identifier';
  if (e.by === 'kept-as-proof') return `keeps only the keyed hash (${e.why})`;
  return `restore: ${e.how}`;
}

/** docs/data-map.md (a test fails when the file is stale). */
export function dataMapDoc(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = DATA_MAP.map(
    (p) =>
      `| \`${p.id}\`${p.localOnly ? ' (local)' : ''} | ${cell(p.where)} | ${p.holds.map((c) => `${PERSONAL.includes(c) ? '**' : ''}${c}${PERSONAL.includes(c) ? '**' : ''}`).join(', ')} | ${cell(retentionText(p.retention))} | ${cell(erasureText(p.erasure))} | ${[...readersOf(p), ...(p.staffDirect ? [`direct: ${p.staffDirect}`] : [])].join(', ') || '—'} |`,
  );
  return `# Where data lives (the personal-data inventory, P17)

Generated from \`src/core/data-map.ts\` by \`npm run docs\`; a test fails when this file is stale, when a
resource of \`cdk synth\` that holds data is not named here, or when the code writes an item that matches no
item type below. The canary sweep test (\`test/integration/canary.test.ts\`) plants unique values through every
input, runs erasure, retention and contract termination, and then searches every table, object, e-mail,
execution record, log line and raw file of the local data folder.

**Longest lifetime of any byte:** ${longestLifetime()}

Categories in **bold** are personal data.

${Object.entries(CATEGORIES)
  .map(([c, d]) => `- \`${c}\`${PERSONAL.includes(c as Category) ? ' (personal)' : ''}: ${d}`)
  .join('\n')}

| place | where | holds | retention | erasure | who can read it |
|---|---|---|---|---|---|
${rows.join('\n')}

Not stored anywhere: IP addresses and user-agent strings of end users (the API stage does not trace and its
access log has neither), request bodies in logs, CSV exports (streamed in the response, never written),
WAF request samples (off).
`;
}

import type { Clock } from './clock.ts';
import { DAY_SECONDS } from './retention.ts';

/**
 * Findings notices (issue 18): when a scrubber first finds a new kind of personal data in what an account sends (a
 * field kind and a detector), its contacts are told at once (through the notification queue, within a minute), and
 * then at most once a day in a digest. A notice names the field kind, the detector, the count, the application and
 * the redacted shape of an example (never the value), and the two ways to stop it. An account chooses the contacts
 * (`noticeContacts`, the creator and the administrative contact by default); it cannot turn notices off.
 */
export interface FindingRow {
  kind: string;
  detector: string;
  count: number;
  /** the shape of the scrubbed value: placeholders and punctuation, never its text */
  example: string;
  firstSeen: number;
  lastSeen: number;
  applicationId?: string;
}

export interface NoticeAccount {
  accountId: string;
  name: string;
  creatorEmail: string;
  adminEmail: string;
  noticeContacts?: string[];
}

export type NoticeMessage =
  | { type: 'finding'; accountId: string; applicationId: string; kind: string; detector: string }
  | { type: 'digest'; accountId: string; day: string };

export interface NoticeRecord {
  type: 'finding' | 'digest' | 'escalation';
  sentAt: number;
  subject: string;
  recipients: number;
  findings: Array<Pick<FindingRow, 'kind' | 'detector' | 'count' | 'example'> & { applicationId?: string }>;
}

export interface NoticePorts {
  clock: Clock;
  getAccount(accountId: string): Promise<NoticeAccount | undefined>;
  finding(accountId: string, kind: string, detector: string): Promise<FindingRow | undefined>;
  findingsSeenSince(accountId: string, sinceMs: number): Promise<FindingRow[]>;
  /** marks the first notice of a finding (or a day's digest) as taken; false if it already was */
  claim(accountId: string, what: string, nowMs: number): Promise<boolean>;
  /** gives a claim back after a failed send, so the next delivery tries again */
  release(accountId: string, what: string): Promise<void>;
  send(to: string, subject: string, text: string): Promise<string>;
  recordNotice(accountId: string, notice: NoticeRecord): Promise<void>;
  /** the console's address, for the link to Settings */
  consoleUrl: string;
}

/** Who gets an account's notices: its chosen contacts, else its creator and administrative contact. */
export function noticeContacts(a: NoticeAccount): string[] {
  const chosen = a.noticeContacts?.length ? a.noticeContacts : [a.creatorEmail, a.adminEmail];
  return [...new Set(chosen.map((e) => e.trim().toLowerCase()))];
}

const line = (f: NoticeRecord['findings'][number]) =>
  `  - ${f.detector} in ${f.kind} fields: ${f.count} so far${f.applicationId ? ` (application ${f.applicationId})` : ''}; example shape: ${f.example}`;

function howToStop(consoleUrl: string): string[] {
  return [
    'Lethe removed it before storing anything, but you, as the controller, should stop sending it. Two ways:',
    '  1. Change the application so that it does not put this data into URLs, labels, errors or queries',
    '     (for example, send an internal id instead of an e-mail address).',
    `  2. Add a scrub rule for it in the console's Settings: ${consoleUrl}#settings`,
    '',
    'Special categories of personal data (health, beliefs, …) that keep arriving may lead to the suspension of the',
    "account's ingest. These notices cannot be turned off; the account's administrators choose who receives them.",
  ];
}

export function findingNoticeMail(a: NoticeAccount, f: NoticeRecord['findings'][number], consoleUrl: string) {
  return {
    subject: `[Lethe] Personal data found in what ${a.name} sends: ${f.detector} in ${f.kind} fields`,
    text: [
      `Account: ${a.name} (${a.accountId})`,
      '',
      'Our scrubbers found personal data of a kind not seen before in what your agents send:',
      line(f),
      '',
      ...howToStop(consoleUrl),
    ].join('\n'),
  };
}

export function digestMail(a: NoticeAccount, findings: NoticeRecord['findings'], consoleUrl: string) {
  return {
    subject: `[Lethe] Daily digest: personal data found in what ${a.name} sends`,
    text: [
      `Account: ${a.name} (${a.accountId})`,
      '',
      'In the last 24 hours our scrubbers removed personal data of these kinds from what your agents send:',
      ...findings.map(line),
      '',
      ...howToStop(consoleUrl),
    ].join('\n'),
  };
}

async function mailAll(p: NoticePorts, a: NoticeAccount, mail: { subject: string; text: string }) {
  const to = noticeContacts(a);
  for (const address of to) await p.send(address, mail.subject, mail.text);
  return to.length;
}

/** The first notice of a (field kind, detector): once, idempotently (a redelivered message finds it claimed). */
export async function deliverFindingNotice(p: NoticePorts, m: Extract<NoticeMessage, { type: 'finding' }>) {
  const [a, f] = await Promise.all([p.getAccount(m.accountId), p.finding(m.accountId, m.kind, m.detector)]);
  if (!a || !f) return 'done' as const;
  const what = `FINDING#${m.kind}#${m.detector}`;
  if (!(await p.claim(m.accountId, what, p.clock.nowMs()))) return 'done' as const;
  const finding = {
    kind: f.kind,
    detector: f.detector,
    count: f.count,
    example: f.example,
    applicationId: m.applicationId,
  };
  return mailClaimed(p, a, what, 'finding', findingNoticeMail(a, finding, p.consoleUrl), [finding]);
}

/** Mails a claimed notice to every contact and records it; a failure gives the claim back for the next delivery. */
async function mailClaimed(
  p: NoticePorts,
  a: NoticeAccount,
  what: string,
  type: NoticeRecord['type'],
  mail: { subject: string; text: string },
  findings: NoticeRecord['findings'],
) {
  try {
    const recipients = await mailAll(p, a, mail);
    await p.recordNotice(a.accountId, { type, sentAt: p.clock.nowMs(), subject: mail.subject, recipients, findings });
    return 'sent' as const;
  } catch (e) {
    await p.release(a.accountId, what);
    throw e;
  }
}

/** The day's digest of an account: every (kind, detector) seen in the last 24 hours, once a day. */
export async function deliverDigest(p: NoticePorts, m: Extract<NoticeMessage, { type: 'digest' }>) {
  const a = await p.getAccount(m.accountId);
  if (!a) return 'done' as const;
  const now = p.clock.nowMs();
  const seen = await p.findingsSeenSince(m.accountId, now - DAY_SECONDS * 1000);
  if (!seen.length) return 'done' as const;
  const what = `DIGEST#${m.day}`;
  if (!(await p.claim(m.accountId, what, now))) return 'done' as const;
  const findings = seen.map((f) => ({ kind: f.kind, detector: f.detector, count: f.count, example: f.example }));
  return mailClaimed(p, a, what, 'digest', digestMail(a, findings, p.consoleUrl), findings);
}

/** The digest messages of a day: one per account with a finding seen in the last 24 hours. */
export function digestDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

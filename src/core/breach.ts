import * as z from './zod.ts';
import type { Clock } from './clock.ts';
import { badRequest } from './errors.ts';
import { parseOr400 } from './events.ts';

/**
 * Breach notification (P14): each affected account's creator and administrative contact is told within
 * 48 hours of discovery, with the content GDPR Art. 33(3) asks for; every delivery is recorded; pending
 * recipients are escalated 12 hours before the deadline and raise a critical alarm past it.
 */
export const DEADLINE_HOURS = 48;
export const ESCALATE_BEFORE_HOURS = 12;
export const HOUR_MS = 3_600_000;

export const BreachReportSchema = z.strictObject({
  discoveredAt: z.iso.datetime({ offset: true }),
  description: z.boundedString(10, 5000),
  categories: z._default(z.array(z.boundedString(1, 100)).check(z.minLength(1), z.maxLength(20)), [
    'performance monitoring data',
  ]),
  approxSubjects: z.optional(z.int().check(z.nonnegative())),
  approxRecords: z.optional(z.int().check(z.nonnegative())),
  consequences: z._default(z.string().check(z.maxLength(5000)), 'Under assessment.'),
  measures: z._default(z.string().check(z.maxLength(5000)), 'Under assessment.'),
  contactPoint: z._default(z.boundedString(3, 300), 'privacy@lethe.example'),
  accounts: z.union([
    z.literal('all'),
    z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(100_000)),
  ]),
});
export type BreachReport = z.infer<typeof BreachReportSchema>;

export type RecipientStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'no-contact';
export interface Recipient {
  breachId: string;
  accountId: string;
  /** undefined when the account has no contact at all */
  email?: string;
  roles: Array<'creator' | 'admin'>;
  status: RecipientStatus;
  messageId?: string;
  sentAt?: number;
  attempts: number;
  error?: string;
}

export interface BreachRecord extends Omit<BreachReport, 'discoveredAt' | 'accounts'> {
  breachId: string;
  discoveredAt: number;
  deadline: number;
  reportedBy: string;
  reportedAt: number;
  affected: 'all' | string[];
}

export interface MailSendError extends Error {
  /** true: throttled or transient, try again; false: bounced or refused */
  retryable: boolean;
}

export interface BreachPorts {
  clock: Clock;
  contactsOf(
    accountIds: 'all' | string[],
  ): Promise<Array<{ accountId: string; creatorEmail?: string; adminEmail?: string }>>;
  saveBreach(record: BreachRecord, recipients: Recipient[]): Promise<void>;
  getBreach(breachId: string): Promise<BreachRecord | undefined>;
  recipients(breachId: string): Promise<Recipient[]>;
  openBreaches(): Promise<BreachRecord[]>;
  closeBreach(breachId: string): Promise<void>;
  /** atomically moves pending (or a stale claim) to sending; false if another invocation holds it or it is done */
  claim(r: Recipient, nowMs: number): Promise<boolean>;
  markSent(r: Recipient, messageId: string, sentAt: number): Promise<void>;
  markFailed(r: Recipient, error: string, final: boolean): Promise<void>;
  send(to: string, subject: string, text: string): Promise<string>;
  escalate(subject: string, message: string, severity: 'warning' | 'critical'): Promise<void>;
  /** the recipients of one account (one or two rows) */
  recipientsOf(breachId: string, accountId: string): Promise<Recipient[]>;
  /** puts one message per recipient on the notification queue (SQS; at-least-once) */
  enqueue(messages: NotificationMessage[]): Promise<void>;
}

/**
 * One message per recipient on the notification queue. It names the recipient by its account and first role (an
 * account has at most two recipients: the creator and the administrative contact, or one person who is both), so
 * the queue never holds an e-mail address.
 */
export interface NotificationMessage {
  breachId: string;
  accountId: string;
  role: 'creator' | 'admin';
}

/** Resolves contacts (creator + admin, deduplicated per account) and records the breach with its deadline. */
export async function reportBreach(p: BreachPorts, reportedBy: string, body: unknown, newId: () => string) {
  const input = parseOr400(BreachReportSchema, body);
  const discoveredAt = Date.parse(input.discoveredAt);
  const now = p.clock.nowMs();
  if (discoveredAt > now + 5 * 60_000) throw badRequest('discoveredAt', 'is in the future');
  const breachId = `br_${newId()}`;
  const { accounts, discoveredAt: _d, ...content } = input;
  const record: BreachRecord = {
    ...content,
    breachId,
    discoveredAt,
    deadline: discoveredAt + DEADLINE_HOURS * HOUR_MS,
    reportedBy,
    reportedAt: now,
    affected: accounts,
  };
  const recipients: Recipient[] = [];
  for (const c of await p.contactsOf(accounts)) {
    const byEmail = new Map<string, Recipient>();
    for (const [role, email] of [
      ['creator', c.creatorEmail],
      ['admin', c.adminEmail],
    ] as const) {
      if (!email) continue;
      const key = email.trim().toLowerCase();
      const r = byEmail.get(key) ?? {
        breachId,
        accountId: c.accountId,
        email: key,
        roles: [],
        status: 'pending' as RecipientStatus,
        attempts: 0,
      };
      r.roles.push(role);
      byEmail.set(key, r);
    }
    if (byEmail.size === 0)
      recipients.push({ breachId, accountId: c.accountId, roles: [], status: 'no-contact', attempts: 0 });
    recipients.push(...byEmail.values());
  }
  await p.saveBreach(record, recipients);
  return {
    breachId,
    deadline: new Date(record.deadline).toISOString(),
    recipients: recipients.length,
    withoutContact: recipients.filter((r) => r.status === 'no-contact').map((r) => r.accountId),
  };
}

export function breachMail(b: BreachRecord, r: Recipient): { subject: string; text: string } {
  return {
    subject: `[Lethe] Personal data breach notification ${b.breachId}`,
    text: [
      `Dear customer (account ${r.accountId}),`,
      '',
      'As your data processor, Lethe notifies you of a personal data breach affecting data we process on your behalf (GDPR Art. 33(2)).',
      '',
      `Breach reference:        ${b.breachId}`,
      `Discovered:              ${new Date(b.discoveredAt).toISOString()}`,
      `Nature of the breach:    ${b.description}`,
      `Categories of data:      ${b.categories.join(', ')}`,
      `Data subjects (approx.): ${b.approxSubjects ?? 'under assessment'}`,
      `Records (approx.):       ${b.approxRecords ?? 'under assessment'}`,
      `Likely consequences:     ${b.consequences}`,
      `Measures taken/proposed: ${b.measures}`,
      `Contact point:           ${b.contactPoint}`,
      '',
      'What you should do: assess whether you must notify your supervisory authority within 72 hours of becoming aware (Art. 33(1))',
      'and the affected data subjects (Art. 34). Reply to the contact point for details; we will send updates as the investigation proceeds.',
      '',
      `You receive this as the account's ${r.roles.join(' and ')} contact.`,
    ].join('\n'),
  };
}

/** What the queue knows a recipient by (NotificationMessage). */
const roleOf = (r: Recipient): 'creator' | 'admin' => r.roles[0] ?? 'admin';

/**
 * Queues a notification for every recipient not yet notified (pending, or claimed by a send that may have died).
 * A recipient queued twice is mailed once: the worker claims it before sending.
 */
export async function queueNotifications(
  p: BreachPorts,
  breachId: string,
): Promise<{ breachId: string; queued: number }> {
  const todo = (await p.recipients(breachId)).filter((r) => r.status === 'pending' || r.status === 'sending');
  await p.enqueue(todo.map((r) => ({ breachId, accountId: r.accountId, role: roleOf(r) })));
  return { breachId, queued: todo.length };
}

export type Delivery = 'sent' | 'done' | 'claimed-elsewhere' | 'failed' | 'retry';

/**
 * Delivers one queued notification. Idempotent: the recipient is claimed before sending, so a duplicated or
 * redelivered message never mails the same recipient twice for the same breach. `retry`: throttled or a transient
 * failure; the recipient is pending again and the message goes back to the queue (SQS redelivers it after its
 * visibility timeout, then to the dead-letter queue, whose alarm the operators hear).
 */
export async function deliverNotification(p: BreachPorts, m: NotificationMessage): Promise<Delivery> {
  const breach = await p.getBreach(m.breachId);
  const r = breach && (await p.recipientsOf(m.breachId, m.accountId)).find((x) => roleOf(x) === m.role);
  if (!breach || !r || (r.status !== 'pending' && r.status !== 'sending')) return 'done';
  if (!(await p.claim(r, p.clock.nowMs()))) return 'claimed-elsewhere';
  const mail = breachMail(breach, r);
  try {
    const id = await p.send(r.email!, mail.subject, mail.text);
    await p.markSent(r, id, p.clock.nowMs());
    return 'sent';
  } catch (e) {
    const retry = (e as MailSendError).retryable !== false;
    await p.markFailed(r, (e as Error).message, !retry);
    return retry ? 'retry' : 'failed';
  }
}

/**
 * Every 15 minutes: queue again what is still pending (a lost or dead-lettered message), escalate recipients still
 * unnotified 12 h before the deadline, alarm past it.
 */
export async function watchDeadlines(p: BreachPorts) {
  const now = p.clock.nowMs();
  const out: Array<{ breachId: string; unnotified: number; severity?: 'warning' | 'critical' }> = [];
  for (const b of await p.openBreaches()) {
    await queueNotifications(p, b.breachId);
    const open = (await p.recipients(b.breachId)).filter((r) => r.status !== 'sent');
    if (!open.length) {
      await p.closeBreach(b.breachId);
      out.push({ breachId: b.breachId, unnotified: 0 });
      continue;
    }
    const severity =
      now >= b.deadline ? 'critical' : now >= b.deadline - ESCALATE_BEFORE_HOURS * HOUR_MS ? 'warning' : undefined;
    if (severity) {
      const hoursLeft = ((b.deadline - now) / HOUR_MS).toFixed(1);
      await p.escalate(
        `[${severity.toUpperCase()}] breach ${b.breachId}: ${open.length} recipient(s) not notified, ${hoursLeft} h to the 48 h deadline`,
        open
          .map(
            (r) => `${r.accountId}\t${r.email ?? '(no contact on file)'}\t${r.status}${r.error ? `\t${r.error}` : ''}`,
          )
          .join('\n'),
        severity,
      );
    }
    out.push({ breachId: b.breachId, unnotified: open.length, severity });
  }
  return out;
}

export async function breachStatus(p: BreachPorts, breachId: string) {
  const b = await p.getBreach(breachId);
  if (!b) return undefined;
  const rs = await p.recipients(breachId);
  const now = p.clock.nowMs();
  return {
    breachId,
    discoveredAt: new Date(b.discoveredAt).toISOString(),
    deadline: new Date(b.deadline).toISOString(),
    hoursLeft: Number(((b.deadline - now) / HOUR_MS).toFixed(2)),
    notified: rs.filter((r) => r.status === 'sent').length,
    total: rs.length,
    recipients: rs.map((r) => ({
      accountId: r.accountId,
      email: r.email,
      roles: r.roles,
      status: r.status,
      sentAt: r.sentAt ? new Date(r.sentAt).toISOString() : undefined,
      messageId: r.messageId,
      error: r.error,
    })),
  };
}

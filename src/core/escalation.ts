import type { Clock } from './clock.ts';
import type { FindingRow, NoticeAccount } from './notices.ts';
import { noticeContacts } from './notices.ts';
import { DAY_SECONDS } from './retention.ts';

/**
 * Special categories of personal data (Art. 9, 10) that keep arriving (issue 18). The first occurrence is the
 * warning (the findings notice of a `special:*` detector, sent at once). If they still arrive `finalAfterDays` after
 * the warning, the contacts get a final notice and the operators are alerted; if they still arrive `suspendAfterDays`
 * after that, the account's ingest is suspended (agents get 403 saying why) until an operator resumes it
 * (`lethe accounts resume`). The state is one recorded row per account; every step is an audit record and a notice.
 * Run by the daily schedule (`escalate`), idempotently: a step is taken once, by a conditional write.
 */
export type EscalationStage = 'warned' | 'final' | 'suspended' | 'resumed';

export interface EscalationState {
  stage: EscalationStage;
  /** when the current stage began (epoch ms) */
  since: number;
  categories: string[];
}

export interface EscalationConfig {
  finalAfterDays: number;
  suspendAfterDays: number;
}
export const DEFAULT_ESCALATION: EscalationConfig = { finalAfterDays: 7, suspendAfterDays: 7 };

export interface EscalationPorts {
  clock: Clock;
  config: EscalationConfig;
  /** the accounts with a special-category finding, and those findings */
  specialFindings(): Promise<Array<{ accountId: string; findings: FindingRow[] }>>;
  getAccount(accountId: string): Promise<NoticeAccount | undefined>;
  state(accountId: string): Promise<EscalationState | undefined>;
  /** writes the next state if the current one is still `from` (undefined: none); false if another run moved it */
  moveTo(accountId: string, from: EscalationStage | undefined, to: EscalationState): Promise<boolean>;
  /** suspends or resumes the account's ingest */
  setIngestSuspended(accountId: string, suspended: boolean): Promise<void>;
  send(to: string, subject: string, text: string): Promise<string>;
  alertOperators(subject: string, message: string): Promise<void>;
  record(accountId: string, step: EscalationStage, detail: { categories: string[]; at: number }): Promise<void>;
}

const DAY_MS = DAY_SECONDS * 1000;

function mail(a: NoticeAccount, step: 'warned' | 'final' | 'suspended', categories: string[], days: number) {
  const what = categories.join(', ');
  if (step === 'warned')
    return {
      subject: `[Lethe] Warning: special categories of personal data arrive again from ${a.name}`,
      text: [
        `Account: ${a.name} (${a.accountId})`,
        '',
        `After ingest was resumed, special categories of personal data (${what}) arrive again. Lethe removes them`,
        `before storing anything, but you must stop sending them: if they still arrive ${days} days from now, you will`,
        'get a final notice, and then ingest for this account will be suspended again.',
      ].join('\n'),
    };
  return step === 'final'
    ? {
        subject: `[Lethe] Final notice: special categories of personal data still arrive from ${a.name}`,
        text: [
          `Account: ${a.name} (${a.accountId})`,
          '',
          `We warned you that your agents send special categories of personal data (${what}), which Lethe may not`,
          'process for you. They still arrive. Lethe removes them before storing anything, but you must stop sending',
          `them: if they still arrive ${days} days from now, ingest for this account will be suspended.`,
          'Change the application, or add a scrub rule in the console’s Settings.',
        ].join('\n'),
      }
    : {
        subject: `[Lethe] Ingest suspended: special categories of personal data kept arriving from ${a.name}`,
        text: [
          `Account: ${a.name} (${a.accountId})`,
          '',
          `Special categories of personal data (${what}) kept arriving after our final notice. Ingest for this`,
          'account is suspended: agents are refused (403). Stop sending them, then ask Lethe support to resume',
          'the account.',
        ].join('\n'),
      };
}

/** One account's next step, if one is due. Returns the stage it moved to. */
export async function escalateAccount(
  p: EscalationPorts,
  accountId: string,
  findings: FindingRow[],
): Promise<EscalationStage | undefined> {
  const now = p.clock.nowMs();
  const categories = [...new Set(findings.map((f) => f.detector.replace(/^special:/, '')))].sort();
  const lastSeen = Math.max(...findings.map((f) => f.lastSeen));
  const firstSeen = Math.min(...findings.map((f) => f.firstSeen));
  const s = await p.state(accountId);
  const a = await p.getAccount(accountId);
  if (!a) return undefined;
  // the warning went out as the findings notice of the first occurrence; record it as the first step
  // (after a resume, a new occurrence starts over with a warning of its own)
  if (!s || (s.stage === 'resumed' && lastSeen > s.since)) {
    const since = s ? lastSeen : firstSeen;
    if (!(await p.moveTo(accountId, s?.stage, { stage: 'warned', since, categories }))) return undefined;
    if (s) {
      const m = mail(a, 'warned', categories, p.config.finalAfterDays);
      for (const to of noticeContacts(a)) await p.send(to, m.subject, m.text);
    }
    await p.record(accountId, 'warned', { categories, at: since });
    return 'warned';
  }
  const step =
    s.stage === 'warned' && lastSeen >= s.since + p.config.finalAfterDays * DAY_MS
      ? ('final' as const)
      : s.stage === 'final' && lastSeen >= s.since + p.config.suspendAfterDays * DAY_MS
        ? ('suspended' as const)
        : undefined;
  if (!step) return undefined;
  if (!(await p.moveTo(accountId, s.stage, { stage: step, since: now, categories }))) return undefined;
  if (step === 'suspended') await p.setIngestSuspended(accountId, true);
  const m = mail(a, step, categories, p.config.suspendAfterDays);
  for (const to of noticeContacts(a)) await p.send(to, m.subject, m.text);
  await p.alertOperators(
    `[${step === 'final' ? 'WARNING' : 'CRITICAL'}] account ${accountId}: ${step === 'final' ? 'final notice sent' : 'ingest suspended'} (special categories: ${categories.join(', ')})`,
    step === 'final'
      ? `Special categories still arrive ${p.config.finalAfterDays} days after the warning.`
      : `Special categories still arrive after the final notice. Resume with: lethe accounts resume --account ${accountId}`,
  );
  await p.record(accountId, step, { categories, at: now });
  return step;
}

/** The daily run over every account with a special-category finding. */
export async function escalate(p: EscalationPorts): Promise<Record<string, EscalationStage>> {
  const moved: Record<string, EscalationStage> = {};
  for (const { accountId, findings } of await p.specialFindings()) {
    const step = await escalateAccount(p, accountId, findings);
    if (step) moved[accountId] = step;
  }
  return moved;
}

/** An operator lifts a suspension (and the escalation starts over at the next occurrence). */
export async function resumeIngest(p: EscalationPorts, accountId: string): Promise<boolean> {
  const s = await p.state(accountId);
  if (s?.stage !== 'suspended') return false;
  if (!(await p.moveTo(accountId, 'suspended', { stage: 'resumed', since: p.clock.nowMs(), categories: s.categories })))
    return false;
  await p.setIngestSuspended(accountId, false);
  await p.record(accountId, 'resumed', { categories: s.categories, at: p.clock.nowMs() });
  return true;
}

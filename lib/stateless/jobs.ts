import { Duration, Validations } from 'aws-cdk-lib';
import * as eventbridge from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RetentionAction } from '#core/retention-audit.ts';
import { ENV } from '#core/schema.ts';
import type { LetheFunction } from '../constructs/lethe-function.ts';
import { acknowledgeExecutions } from '../constructs/nag.ts';
import { workerStep, workflow } from '../constructs/workflow.ts';

/** Accounts audited at once within a page (each is a worker invocation and a few queries at a time). */
export const AUDIT_CONCURRENCY = 10;

/**
 * The retention auditor (P7, P8) as a state machine whose cost follows its work: pages of accounts (ids only),
 * the accounts of a page in parallel (a distributed Map: each account is a child execution with its own history),
 * each account in bounded steps from a checkpoint the state machine holds, so a retried step never redoes a page
 * and no account waits for a long one. Interactions are read by time (only what is older than the account's
 * cutoff), so a run costs O(expired + accounts) there. Runs every hour.
 */
export class RetentionAudit extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: { worker: LetheFunction; key: kms.IKey; alarmTopic: sns.ITopic }) {
    super(scope, id);
    const step = (name: string, action: RetentionAction, state?: unknown) =>
      workerStep(this, name, props.worker, action, state);

    const auditAccount = step('AuditAccountStep', 'account');
    const accountFailed = new sfn.Pass(this, 'AccountFailed', {
      parameters: { 'accountId.$': '$.accountId', failed: true },
    });
    auditAccount.addCatch(accountFailed, { resultPath: '$.error' });
    const perAccount = auditAccount.next(
      new sfn.Choice(this, 'AccountDone?')
        .when(
          sfn.Condition.booleanEquals('$.done', true),
          new sfn.Pass(this, 'AccountAudited', { parameters: { 'counts.$': '$.checkpoint.counts' } }),
        )
        .otherwise(auditAccount),
    );
    const accounts = new sfn.DistributedMap(this, 'AuditAccounts', {
      itemsPath: '$.accountIds',
      itemSelector: { 'accountId.$': '$$.Map.Item.Value' },
      maxConcurrency: AUDIT_CONCURRENCY,
      resultPath: '$.results',
      mapExecutionType: sfn.StateMachineType.STANDARD,
    });
    accounts.itemProcessor(perAccount);

    const plan = step('PlanAccountsPage', 'plan');
    const finish = step('Totals', 'finish');
    const definition = plan
      .next(accounts)
      .next(
        new sfn.Choice(this, 'MoreAccounts?')
          .when(sfn.Condition.isPresent('$.next'), plan)
          .otherwise(finish.next(new sfn.Succeed(this, 'Audited'))),
      );

    this.stateMachine = workflow(this, {
      definition,
      worker: props.worker,
      key: props.key,
      timeout: Duration.minutes(55),
      comment: 'Lethe retention auditor: accounts page by page, in parallel, each from its checkpoint',
      alarmTopic: props.alarmTopic,
      failedAlarm:
        'The retention auditor failed or could not audit an account (P7, P8): expired data may outlive its retention. See the execution.',
    });
    // the distributed Map starts, describes and stops its own child executions, whose names it picks at run time
    acknowledgeExecutions(
      this.stateMachine, // the DistributedMapPolicy is the state machine's child
      this.stateMachine.stateMachineArn,
      "The distributed Map's own child executions (of this state machine only): their names are chosen at run time.",
      [':*', '/*:*'],
    );
    Validations.of(this.stateMachine).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason:
        "CDK attaches the distributed Map's permissions (its own child executions) as an inline policy of this state machine's role only.",
    });
    new eventbridge.Rule(this, 'Schedule', {
      description: 'Runs the retention auditor every hour',
      schedule: eventbridge.Schedule.rate(Duration.hours(1)),
      targets: [new targets.SfnStateMachine(this.stateMachine, { retryAttempts: 2 })],
    });
  }
}

/** A job of two actions: `prepare`, then `part` steps until the state says `more: false`. */
export interface SteppedJobProps {
  worker: LetheFunction;
  /** the function that starts it and reads its progress (and, with `stoppable`, stops it) */
  starter: LetheFunction;
  key: kms.IKey;
  alarmTopic: sns.ITopic;
  /** the starter's environment variable for the state machine's ARN */
  envName: string;
  names: { prepare: string; part: string; more: string; done: string };
  comment: string;
  failedAlarm: string;
  stoppable?: boolean;
}

/**
 * A job as a state machine with progress: `prepare`, then `part` steps, each from the checkpoint the previous one
 * returned. The API starts it (named by the job's id) and reads its progress from the execution
 * (src/adapters/execution-jobs.ts). The restore of an export (P9) and the re-scrub of stored data (issue 18).
 */
export class SteppedJob extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: SteppedJobProps) {
    super(scope, id);
    const step = (name: string, action: string) => workerStep(this, name, props.worker, action);
    const part = step(props.names.part, 'part');
    const more = new sfn.Choice(this, props.names.more)
      .when(sfn.Condition.booleanEquals('$.more', true), part)
      .otherwise(new sfn.Succeed(this, props.names.done));
    part.next(more);
    const definition = step(props.names.prepare, 'prepare').next(more);
    this.stateMachine = workflow(this, {
      definition,
      worker: props.worker,
      key: props.key,
      timeout: Duration.hours(24),
      comment: props.comment,
      alarmTopic: props.alarmTopic,
      failedAlarm: props.failedAlarm,
    });
    props.starter.addEnvironment(props.envName, this.stateMachine.stateMachineArn);
    this.stateMachine.grantStartExecution(props.starter);
    const actions = ['states:DescribeExecution', 'states:GetExecutionHistory'];
    this.stateMachine.grantExecution(
      props.starter,
      ...(props.stoppable ? [...actions, 'states:StopExecution'] : actions),
    );
    acknowledgeExecutions(
      props.starter.role!,
      this.stateMachine.stateMachineArn,
      `Reads the status and history${props.stoppable ? ' and stops' : ''} of this job's executions only: their names are job ids, known only at run time.`,
    );
  }
}

/** Restore (P9): an export written back step by step, the ledger re-applied, expired items skipped. */
export const restoreJob = (
  scope: Construct,
  props: Pick<SteppedJobProps, 'worker' | 'starter' | 'key' | 'alarmTopic'>,
) =>
  new SteppedJob(scope, 'RestoreJob', {
    ...props,
    envName: ENV.restoreStateMachine,
    names: { prepare: 'PrepareRestore', part: 'RestorePart', more: 'MoreToRestore?', done: 'Restored' },
    comment: 'Lethe restore: an export written back step by step, the erasure ledger re-applied, expired items skipped',
    failedAlarm: 'A backup restore failed (P9): the table may be partly restored. See lethe backup restore status.',
  });

/** Re-scrub (issue 18): an account's stored interactions of a time range scrubbed again with today's rules. */
export const rescrubJob = (
  scope: Construct,
  props: Pick<SteppedJobProps, 'worker' | 'starter' | 'key' | 'alarmTopic'>,
) =>
  new SteppedJob(scope, 'RescrubJob', {
    ...props,
    envName: ENV.rescrubStateMachine,
    names: { prepare: 'PrepareRescrub', part: 'RescrubPart', more: 'MoreToRescrub?', done: 'Rescrubbed' },
    comment: "Lethe re-scrub: an account's stored interactions scrubbed again with its current rules, key by key",
    failedAlarm: 'A re-scrub of stored data failed (issue 18): see lethe rescrub status; running it again is safe.',
    stoppable: true,
  });

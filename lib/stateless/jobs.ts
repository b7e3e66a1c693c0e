import { Duration, Validations } from 'aws-cdk-lib';
import * as eventbridge from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RestoreAction } from '#core/backup.ts';
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

/**
 * A restore of an export (P9) as a state machine with progress: `prepare` checks the export and counts its files,
 * then `part` steps write back at most RESTORE_ITEMS_PER_STEP items each, from the checkpoint the previous one
 * returned, re-applying the erasure ledger as it stands. The API starts it (named by the restore id) and reads its
 * progress from the execution (src/adapters/restore-start.ts).
 */
export class RestoreJob extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(
    scope: Construct,
    id: string,
    props: { worker: LetheFunction; starter: LetheFunction; key: kms.IKey; alarmTopic: sns.ITopic },
  ) {
    super(scope, id);
    const step = (name: string, action: RestoreAction) => workerStep(this, name, props.worker, action);
    const part = step('RestorePart', 'part');
    const more = new sfn.Choice(this, 'MoreToRestore?')
      .when(sfn.Condition.booleanEquals('$.more', true), part)
      .otherwise(new sfn.Succeed(this, 'Restored'));
    part.next(more);
    const definition = step('PrepareRestore', 'prepare').next(more);
    this.stateMachine = workflow(this, {
      definition,
      worker: props.worker,
      key: props.key,
      timeout: Duration.hours(24),
      comment:
        'Lethe restore: an export written back step by step, the erasure ledger re-applied, expired items skipped',
      alarmTopic: props.alarmTopic,
      failedAlarm: 'A backup restore failed (P9): the table may be partly restored. See lethe backup restore status.',
    });
    props.starter.addEnvironment(ENV.restoreStateMachine, this.stateMachine.stateMachineArn);
    this.stateMachine.grantStartExecution(props.starter);
    this.stateMachine.grantExecution(props.starter, 'states:DescribeExecution', 'states:GetExecutionHistory');
    acknowledgeExecutions(
      props.starter.role!,
      this.stateMachine.stateMachineArn,
      'Reads the status and history of the restore executions only: their names are restore ids, known only at run time.',
    );
  }
}

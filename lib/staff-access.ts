import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { nagResourceName } from './constructs/nag.ts';
import type { StatefulStack } from './stateful-stack.ts';
import type { StatelessStack } from './stateless-stack.ts';

/**
 * P15: one IAM role per staff role, assumed with MFA, least privilege. Personal data is read through the
 * management API (token roles, audited), never straight from the tables: no staff role can read the Users
 * or Interactions tables, and none can change or delete the audit trail.
 */
export class StaffAccess extends Construct {
  readonly roles: Record<'support' | 'engineer' | 'itAdmin', iam.Role>;

  constructor(scope: Construct, id: string, props: { data: StatefulStack; app: StatelessStack }) {
    super(scope, id);
    const account = Stack.of(this).account;
    const role = (name: string, description: string) =>
      new iam.Role(this, name, {
        description,
        assumedBy: new iam.AccountPrincipal(account).withConditions({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }),
        maxSessionDuration: Duration.hours(4),
      });
    const support = role(
      'SupportRole',
      'Support and account managers: the management API only (users search and CSV for assigned accounts, via tokens)',
    );
    const engineer = role(
      'EngineerRole',
      'Engineers: logs, metrics, traces and workflow state to troubleshoot; no table reads',
    );
    const itAdmin = role('ItAdminRole', 'IT administrators: erasure, breach, termination and backup operations');
    this.roles = { support, engineer, itAdmin };

    const apiArn = props.app.api.arnForExecuteApi('*', '/v1/*');
    const invokeApi = new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [apiArn] });
    for (const r of [support, engineer, itAdmin]) r.addToPrincipalPolicy(invokeApi);

    engineer.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'Troubleshoot',
        actions: [
          'logs:FilterLogEvents',
          'logs:GetLogEvents',
          'logs:DescribeLogStreams',
          'cloudwatch:GetMetricData',
          'cloudwatch:DescribeAlarms',
          'xray:GetTraceSummaries',
          'xray:BatchGetTraces',
          'states:DescribeExecution',
          'states:ListExecutions',
        ],
        resources: ['*'],
      }),
    );
    itAdmin.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RunWorkflows',
        actions: ['states:StartExecution', 'states:DescribeExecution', 'states:ListExecutions'],
        resources: [
          props.app.erasure.stateMachine.stateMachineArn,
          `arn:aws:states:${Stack.of(this).region}:${account}:execution:*`,
        ],
      }),
    );
    itAdmin.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'Backups',
        actions: ['s3:ListBucket'],
        resources: [props.data.backupBucket.bucketArn],
      }),
    );

    // Nobody changes the audit trail (only TTL removes it), whatever else a role is later given.
    const protectAudit = new iam.PolicyStatement({
      sid: 'AuditIsImmutable',
      effect: iam.Effect.DENY,
      actions: [
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:PutItem',
        'dynamodb:DeleteTable',
        'dynamodb:UpdateTimeToLive',
        'dynamodb:RestoreTableFromBackup',
      ],
      resources: [props.data.audit.tableArn],
    });
    const noRawPersonalData = new iam.PolicyStatement({
      sid: 'NoDirectPersonalDataReads',
      effect: iam.Effect.DENY,
      actions: [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:PartiQLSelect',
        'dynamodb:ExportTableToPointInTime',
      ],
      resources: [
        props.data.users.tableArn,
        `${props.data.users.tableArn}/index/*`,
        props.data.interactions.tableArn,
        `${props.data.interactions.tableArn}/index/*`,
      ],
    });
    for (const r of [support, engineer, itAdmin]) {
      r.addToPrincipalPolicy(protectAudit);
      r.addToPrincipalPolicy(noRawPersonalData);
      Validations.of(r).acknowledge({
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason:
          'Each staff role has exactly one generated policy; sharing a managed policy between roles is what least privilege per role avoids.',
      });
    }
    const wild =
      'Read-only troubleshooting APIs (CloudWatch Logs/metrics, X-Ray, execution listing) either have no resource-level permissions or span every function; no data API is included.';
    Validations.of(engineer).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: wild });
    for (const r of [support, engineer, itAdmin]) {
      Validations.of(r).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, apiArn)}]`,
        reason:
          'The management API for any method and path: what a caller may do is decided per operation by the token role matrix (docs/access.md).',
      });
    }
    Validations.of(itAdmin).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:aws:states:eu-west-1:<AWS::AccountId>:execution:*]',
      reason:
        'Execution names are erasure request ids created at run time; the role can only start the erasure state machine.',
    });
  }
}

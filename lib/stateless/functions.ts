import { Duration, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IRELAND } from '#core/region.ts';
import { ENV, USER_EXPIRY_INDEX, USER_INDEX, USER_LABEL_INDEX } from '#core/schema.ts';
import { LetheFunction } from '../constructs/lethe-function.ts';
import type { StatefulStack } from '../stateful-stack.ts';

export type FunctionName =
  | 'health'
  | 'console'
  | 'ingest-server'
  | 'ingest-browser'
  | 'management'
  | 'erasure'
  | 'retention'
  | 'backup'
  | 'restore'
  | 'rescrub'
  | 'breach'
  | 'notify'
  | 'authorizer'
  | 'agent-authorizer'
  | 'session';
export type LetheFunctions = Record<FunctionName, LetheFunction>;

const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/**
 * Every function and exactly what it may touch: tables (and which indexes), bucket prefixes, KMS purposes,
 * secrets, e-mail. One job: least privilege (P15), read at a glance. Wiring to the API, schedules and the
 * workflow is elsewhere.
 */
export function createFunctions(stack: Stack, data: StatefulStack): LetheFunctions {
  const fn = (
    name: FunctionName,
    description: string,
    extra: Partial<ConstructorParameters<typeof LetheFunction>[2]> = {},
  ) => new LetheFunction(stack, pascal(name), { name, description, logKey: data.key, ...extra });
  const f = {
    health: fn('health', 'Liveness probe: answers 200 without touching data'),
    'ingest-server': fn('ingest-server', 'Signed ingest for server-side (Java) agents'),
    'ingest-browser': fn('ingest-browser', 'Ingest for browser agents: public key + allowed origins'),
    management: fn('management', 'Management API: accounts, keys, settings', { timeout: Duration.seconds(29) }),
    erasure: fn('erasure', 'Erasure workflow steps: tombstone, erase linked interactions, verify, ledger, receipt', {
      timeout: Duration.minutes(2),
    }),
    retention: fn(
      'retention',
      'Retention auditor: deletes overdue and beyond-retention items and terminated accounts',
      { timeout: Duration.minutes(15), memorySize: 1024 },
    ),
    backup: fn('backup', 'Daily DynamoDB export to the backup bucket; starts and follows restores', {
      timeout: Duration.minutes(2),
    }),
    rescrub: fn('rescrub', "Re-scrub steps: an account's stored interactions scrubbed again with its current rules", {
      timeout: Duration.minutes(5),
      memorySize: 1024,
    }),
    restore: fn('restore', 'Restore state machine steps: an export written back with the erasure ledger re-applied', {
      timeout: Duration.minutes(5),
      memorySize: 1024,
    }),
    breach: fn('breach', 'Breach records, notifications queued for every affected account, deadline watch', {
      timeout: Duration.minutes(10),
    }),
    notify: fn('notify', 'Sends the queued breach notifications, findings notices and daily digests', {
      timeout: Duration.seconds(30),
    }),
    console: fn('console', 'Serves the customer console page and the browser agent script', { memorySize: 256 }),
    authorizer: fn('authorizer', 'Verifies management API tokens (role + account scope)'),
    session: fn('session', "The console's sign-in through Cognito (passwords pass here only, never logged)"),
    'agent-authorizer': fn('agent-authorizer', 'Names the account behind an agent key, for per-account throttling'),
  } satisfies LetheFunctions;

  for (const ingest of [f['ingest-server'], f['ingest-browser']]) {
    ingest
      .bindTable(ENV.interactionsTable, data.interactions, 'write')
      .bindTable(ENV.usersTable, data.users, 'readwrite')
      .bindTable(ENV.accountsTable, data.accounts, 'readwrite');
  }
  // Server ingest checks agents' signatures; both hash identities with the account key.
  f['ingest-server'].useKey(ENV.keyId, data.key, ['kms:Decrypt'], ['agent-secret', 'account-key']);
  f['ingest-browser'].useKey(ENV.keyId, data.key, ['kms:Decrypt'], ['account-key']);

  f.management
    // user exports: written, then served by a presigned link signed with this role (15 minutes)
    .bindBucket(ENV.backupBucket, data.backupBucket, 'readwrite', 'user-exports/')
    .bindTable(ENV.accountsTable, data.accounts, 'readwrite')
    .bindTable(ENV.auditTable, data.audit, 'appendRead')
    .bindTable(ENV.interactionsTable, data.interactions, 'read', [USER_INDEX])
    .bindTable(ENV.usersTable, data.users, 'readwrite', [USER_LABEL_INDEX])
    .useKey(ENV.keyId, data.key, ['kms:Encrypt'], ['agent-secret', 'account-key'])
    .useKey(ENV.keyId, data.key, ['kms:Decrypt'], ['account-key']);

  f.erasure
    .bindTable(ENV.interactionsTable, data.interactions, 'readwrite', [USER_INDEX])
    .bindTable(ENV.usersTable, data.users, 'readwrite')
    .bindTable(ENV.accountsTable, data.accounts, 'readwrite')
    .bindTable(ENV.auditTable, data.audit, 'append')
    .bindBucket(ENV.backupBucket, data.backupBucket, 'write', 'erasure-ledger/')
    .useKey(ENV.keyId, data.key, ['kms:Decrypt'], ['account-key'])
    .allowEmail();

  f.retention
    .bindTable(ENV.interactionsTable, data.interactions, 'readwrite')
    .bindTable(ENV.usersTable, data.users, 'readwrite', [USER_EXPIRY_INDEX])
    .bindTable(ENV.accountsTable, data.accounts, 'readwrite')
    .bindTable(ENV.auditTable, data.audit, 'append')
    .allowScan(data.accounts);
  f.retention.addEnvironment('POWERTOOLS_METRICS_NAMESPACE', 'Lethe');

  f.backup
    .bindTable(ENV.interactionsTable, data.interactions, 'read')
    .bindTable(ENV.usersTable, data.users, 'read')
    .bindTable(ENV.auditTable, data.audit, 'append')
    .bindBucket(ENV.backupBucket, data.backupBucket, 'readwrite', 'exports/');
  // the rescrub worker (lib/stateless/jobs.ts): reads an account's settings and rules (the account key for the
  // 'hash' method), rewrites the scrubbed fields of its interactions
  f.rescrub
    .bindTable(ENV.interactionsTable, data.interactions, 'readwrite')
    .bindTable(ENV.accountsTable, data.accounts, 'read')
    .useKey(ENV.keyId, data.key, ['kms:Decrypt'], ['account-key']);
  // the restore worker writes an export back into its table, through the erasure ledger (lib/stateless/jobs.ts)
  f.restore
    .bindTable(ENV.interactionsTable, data.interactions, 'write')
    .bindTable(ENV.usersTable, data.users, 'write')
    .bindBucket(ENV.backupBucket, data.backupBucket, 'read', 'exports/')
    .bindBucket(ENV.backupBucket, data.backupBucket, 'read', 'erasure-ledger/');
  f.backup.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:ExportTableToPointInTime'],
      resources: [data.interactions.tableArn, data.users.tableArn],
    }),
  );
  // The export writes into the SSE-KMS bucket as this role: the key only through DynamoDB and S3, never directly.
  f.backup.addEnvironment(ENV.keyId, data.key.keyArn);
  f.backup.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [data.key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': [`dynamodb.${IRELAND}.amazonaws.com`, `s3.${IRELAND}.amazonaws.com`] },
      },
    }),
  );
  f.backup.addEnvironment('BACKUP_REGION', IRELAND);

  f.breach
    .bindTable(ENV.accountsTable, data.accounts, 'readwrite')
    .bindTable(ENV.auditTable, data.audit, 'append')
    .allowScan(data.accounts);
  // the queue's consumer (lib/stateless/notifications.ts): reads a breach and its recipient, claims, mails, records
  f.notify
    .bindTable(ENV.accountsTable, data.accounts, 'readwrite')
    .bindTable(ENV.auditTable, data.audit, 'append')
    .allowScan(data.accounts)
    .allowEmail();

  f.authorizer.readSecret('AUTH_SECRET_ARN', data.tokenKey);
  bindPeople(f, data);
  f['agent-authorizer']
    .bindTable(ENV.accountsTable, data.accounts, 'read')
    .useKey(ENV.keyId, data.key, ['kms:Decrypt'], ['agent-secret']);
  return f;
}

/**
 * Cognito: the authorizer trusts both pools' ID tokens (their console clients as audiences); the session function
 * signs people in through those clients (public calls, no IAM) and pseudonymises e-mails for the audit (its pepper);
 * the management function invites people.
 */
function bindPeople(f: LetheFunctions, data: StatefulStack): void {
  const { people } = data;
  for (const target of [f.authorizer, f.session, f.management]) {
    target.addEnvironment(ENV.customersPool, people.customers.userPoolId);
    target.addEnvironment(ENV.customersClient, people.customersClient.userPoolClientId);
    target.addEnvironment(ENV.staffPool, people.staff.userPoolId);
    target.addEnvironment(ENV.staffClient, people.staffClient.userPoolClientId);
  }
  f.session.readSecret('AUDIT_PEPPER_ARN', data.auditPepper).bindTable(ENV.auditTable, data.audit, 'append');
  f.management.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        'cognito-idp:AdminCreateUser',
        'cognito-idp:AdminGetUser',
        'cognito-idp:AdminUpdateUserAttributes',
        'cognito-idp:AdminAddUserToGroup',
      ],
      resources: [people.customers.userPoolArn, people.staff.userPoolArn],
    }),
  );
  // a terminated account's people leave the customers' pool (the retention auditor)
  f.retention.addEnvironment(ENV.customersPool, people.customers.userPoolId);
  f.retention.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['cognito-idp:AdminGetUser', 'cognito-idp:AdminUpdateUserAttributes', 'cognito-idp:AdminDeleteUser'],
      resources: [people.customers.userPoolArn],
    }),
  );
}

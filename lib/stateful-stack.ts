import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { BACKUP_RETENTION_DAYS, USER_EXPORT_DAYS } from '#core/retention.ts';
import { People } from './constructs/people.ts';
import { TTL_ATTRIBUTE, USER_EXPIRY_INDEX, USER_INDEX, USER_LABEL_INDEX } from '#core/schema.ts';

/**
 * Everything that holds data: the project key, the tables and the backup bucket.
 * No business logic here; the stateless stack receives these as typed props.
 */
export class StatefulStack extends Stack {
  readonly key: kms.Key;
  readonly interactions: dynamodb.Table;
  readonly users: dynamodb.Table;
  readonly accounts: dynamodb.Table;
  readonly audit: dynamodb.Table;
  readonly backupBucket: s3.Bucket;
  readonly tokenKey: secrets.Secret;
  /** keys the audit trail's pseudonyms of sign-in e-mail addresses (read by the session function only) */
  readonly auditPepper: secrets.Secret;
  /** the customers' and the staff user pools (issue 21) */
  readonly people: People;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    this.key = new kms.Key(this, 'DataKey', {
      description: 'Lethe: encrypts every table, the backup bucket and agent secrets (eu-west-1 only)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const table = (name: string, extra: Partial<dynamodb.TableProps> = {}) =>
      new dynamodb.Table(this, name, {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.key,
        // PITR is a backup too: it keeps changed and deleted items as long as the exports live (docs/data-map.md)
        pointInTimeRecoverySpecification: {
          pointInTimeRecoveryEnabled: true,
          recoveryPeriodInDays: BACKUP_RETENTION_DAYS,
        },
        deletionProtection: true,
        timeToLiveAttribute: TTL_ATTRIBUTE,
        removalPolicy: RemovalPolicy.RETAIN,
        ...extra,
      });
    const backupReason = {
      id: 'NIST.800.53.R5-DynamoDBInBackupPlan',
      reason:
        'Backups are point-in-time recovery plus the daily export to the eu-west-1 backup bucket, both expiring within retention (P9); an AWS Backup vault would keep copies under a retention Lethe does not control.',
    };

    // pk = account#application#shard, sk = time#eventId (src/core/shards.ts); GSI by userKey for access, export and
    // erasure.
    this.interactions = table('Interactions');
    this.interactions.addGlobalSecondaryIndex({
      indexName: USER_INDEX,
      partitionKey: { name: 'userKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    });
    // pk = account#shard, sk = userKey (keyed hash); GSI by the same pk + display label for prefix search.
    this.users = table('Users');
    this.users.addGlobalSecondaryIndex({
      indexName: USER_LABEL_INDEX,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'label', type: dynamodb.AttributeType.STRING },
    });
    // The same pk by expiry, keys only: the retention auditor reads only the rows whose expiry has come (O(expired)).
    this.users.addGlobalSecondaryIndex({
      indexName: USER_EXPIRY_INDEX,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: TTL_ATTRIBUTE, type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['lastSeen', 'erasing'],
    });
    // Settings, contacts, hashed/encrypted agent keys, findings, replay guards (short TTL).
    this.accounts = table('Accounts');
    // Access log, receipts, breach records: written by functions that may only PutItem.
    this.audit = table('Audit');
    for (const t of [this.interactions, this.users, this.accounts, this.audit])
      Validations.of(t).acknowledge(backupReason);
    // CloudWatch Logs encrypts the functions' log groups with the project key.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsInRegion',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${this.region}:${this.account}:log-group:*` },
        },
      }),
    );

    // Signs management API tokens (HS256). Read only by the authorizer.
    this.tokenKey = this.hmacKey(
      'TokenSigningKey',
      'Lethe: HMAC key that signs management API tokens',
      'Rotating the token key signs out every operator and customer at once; it is rotated by the documented runbook (docs/operations.md), not on a timer.',
    );
    // Keys the pseudonyms of sign-in addresses in the audit trail. Read only by the session function.
    this.auditPepper = this.hmacKey(
      'AuditPepper',
      'Lethe: HMAC key of the pseudonyms of sign-in e-mail addresses in the audit trail',
      'Rotating it would make sign-in records before and after unlinkable (the pseudonym of one address would change); it holds no data and is read by the session function only.',
    );

    this.backupBucket = this.buckets();
    this.people = new People(this, 'People');
  }

  /** A random HMAC key in Secrets Manager under the project key, retained, rotated by hand (`whyNotRotated`). */
  private hmacKey(id: string, description: string, whyNotRotated: string): secrets.Secret {
    const secret = new secrets.Secret(this, id, {
      description,
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge(
      { id: 'AwsSolutions-SMG4', reason: whyNotRotated },
      { id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason: whyNotRotated },
    );
    return secret;
  }

  /** The backup bucket (exports and the erasure ledger) and the bucket its access logs go to. */
  private buckets(): s3.Bucket {
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // S3 server access logging can only deliver to an SSE-S3 bucket.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge(
      {
        id: 'AwsSolutions-S1',
        reason: 'This is the access-log destination of the backup bucket; logging it to itself would loop.',
      },
      {
        id: 'NIST.800.53.R5-S3BucketLoggingEnabled',
        reason: 'This is the access-log destination of the backup bucket; logging it to itself would loop.',
      },
      {
        id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
        reason:
          'S3 server access logs can only be delivered to a bucket encrypted with SSE-S3 (AWS documentation); the logs hold no interaction data.',
      },
      {
        id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
        reason:
          'Replication would copy data out of the single-region design (P1); access logs expire after 90 days instead.',
      },
    );

    const backups = new s3.Bucket(this, 'Backups', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'backups/',
      lifecycleRules: [
        {
          id: 'expire-backups-within-retention',
          expiration: Duration.days(BACKUP_RETENTION_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          // a user's CSV export is delivered by a 15-minute link; the object goes within a day
          id: 'expire-user-exports',
          prefix: 'user-exports/',
          expiration: Duration.days(USER_EXPORT_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // P1: nobody may set up replication out of Ireland.
    backups.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyReplicationOutOfRegion',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutReplicationConfiguration'],
        resources: [backups.bucketArn],
      }),
    );
    Validations.of(backups).acknowledge({
      id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
      reason:
        'Replication is denied on purpose: backups stay in eu-west-1 (P1); durability comes from S3 within the region and PITR.',
    });
    return backups;
  }
}

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { IRELAND } from '#core/region.ts';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { SecretPurpose } from '#core/accounts.ts';
import { bundleFunction } from './bundling.ts';
import { acknowledgeResolved, nagResourceName } from './nag.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** CloudFormation metadata key naming the handler's source, read by the local runtime. */
export const ENTRY_METADATA = 'Lethe:Entry';
/** Sender domain, verified in SES eu-west-1 by the platform team (docs/operations.md). */
export const MAIL_DOMAIN = 'lethe.example';
export const MAIL_FROM = `no-reply@${MAIL_DOMAIN}`;

export type TableAccess = 'read' | 'write' | 'readwrite' | 'append' | 'appendRead';
/** Least-privilege DynamoDB actions per access kind; 'append' may only add items (audit trail). */
const TABLE_ACTIONS: Record<TableAccess, string[]> = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
  write: [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:DescribeTable',
  ],
  readwrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:DescribeTable',
  ],
  append: ['dynamodb:PutItem', 'dynamodb:DescribeTable'],
  appendRead: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
};

export interface LetheFunctionProps {
  /** folder under lambdas/, e.g. 'ingest' → lambdas/ingest/handler.ts */
  name: string;
  description: string;
  timeout?: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
  /** KMS key used by the log group */
  logKey: kms.IKey;
}

/**
 * The one way Lethe builds a function: nodejs24.x on arm64, one minified ESM bundle with source maps and the
 * AWS SDK inside (see bundling.ts), X-Ray tracing, and an explicit encrypted log group with retention.
 */
export class LetheFunction extends lambda.Function {
  readonly entryPath: string;

  constructor(scope: Construct, id: string, props: LetheFunctionProps) {
    const entry = path.join(PROJECT_ROOT, 'lambdas', props.name, 'handler.ts');
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Own role: no AWS-managed policy; logs only to this function's own log group.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.name} function`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      // The function's folder is the asset's source; the bundle (index.mjs + chunks) is built by esbuild on
      // this machine (bundling.ts) and the asset is hashed by that output, so any change to src/ deploys.
      code: lambda.Code.fromAsset(path.dirname(entry), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
          local: {
            tryBundle(outputDir: string) {
              bundleFunction(entry, outputDir, { sourcemap: true });
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
      role,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'lethe',
        // traces carry timings and AWS calls, never a response or an error message (P2: no payload in a trace)
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
        ...props.environment,
      },
    });
    this.entryPath = path.relative(PROJECT_ROOT, entry);
    (this.node.defaultChild as lambda.CfnFunction).cfnOptions.metadata = {
      ...(this.node.defaultChild as lambda.CfnFunction).cfnOptions.metadata,
      [ENTRY_METADATA]: this.entryPath,
    };
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (added by active tracing); every data permission is scoped to named resources.',
      },
      {
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason:
          'Each function has its own role whose policy is generated from explicit per-resource grants (bindTable/bindBucket/useKey); a separate managed policy would be the same document, shareable by mistake.',
      },
    );
    Validations.of(this).acknowledge(
      {
        id: 'NIST.800.53.R5-LambdaInsideVPC',
        reason:
          'The function reaches only regional AWS APIs (DynamoDB, S3, KMS, SES) over TLS with IAM auth; a VPC adds no isolation here and adds NAT cost and cold-start time.',
      },
      {
        id: 'NIST.800.53.R5-LambdaConcurrency',
        reason:
          'Per-account throttling is enforced by API Gateway usage plans; a reserved concurrency cap would throttle every customer at once.',
      },
      {
        id: 'NIST.800.53.R5-LambdaDLQ',
        reason:
          'No asynchronous invocations: API Gateway and Step Functions call synchronously and retry, so a failed event is returned to the caller (503) rather than parked.',
      },
    );
    this.role = role;
  }

  override readonly role: iam.Role;

  /** Sets the table's env var and grants exactly the access asked for, together. */
  bindTable(envName: string, table: dynamodb.Table, access: TableAccess, indexes: string[] = []): this {
    this.addEnvironment(envName, table.tableName);
    const actions = TABLE_ACTIONS[access];
    const resources = [table.tableArn, ...indexes.map((i) => `${table.tableArn}/index/${i}`)];
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    if (table.encryptionKey) {
      // A table under a customer-managed key needs these on that one key, and only through DynamoDB for this
      // table: the grant cannot decrypt a secret (or another table's data) with a direct KMS call.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [table.encryptionKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `dynamodb.${IRELAND}.amazonaws.com`,
              'kms:EncryptionContext:aws:dynamodb:tableName': table.tableName,
            },
          },
        }),
      );
    }
    return this;
  }

  /** Scan on one table (only the retention auditor needs it, on the small Accounts table). */
  allowScan(table: dynamodb.Table): this {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [table.tableArn] }),
    );
    return this;
  }

  /**
   * Direct use of the project key for the secrets of the named purposes only (the ciphertext's encryption
   * context), and tells the function which key it is: e.g. browser ingest may decrypt account keys, not
   * agents' secrets.
   */
  useKey(
    envName: string,
    key: kms.IKey,
    actions: Array<'kms:Encrypt' | 'kms:Decrypt'>,
    purposes: SecretPurpose[],
  ): this {
    this.addEnvironment(envName, key.keyArn);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions,
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:EncryptionContext:purpose': purposes } },
      }),
    );
    return this;
  }

  /** Read access to one secret (and decrypt with its key), granted on the function's side only. */
  readSecret(envName: string, secret: secretsmanager.ISecret): this {
    this.addEnvironment(envName, secret.secretArn);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [secret.secretArn],
      }),
    );
    if (secret.encryptionKey) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [secret.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${IRELAND}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }

  /** SES v2 sending from the project's verified domain in eu-west-1. */
  allowEmail(): this {
    this.addEnvironment('MAIL_FROM', MAIL_FROM);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [`arn:aws:ses:${IRELAND}:${Stack.of(this).account}:identity/${MAIL_DOMAIN}`],
      }),
    );
    return this;
  }

  /**
   * Object access under one prefix of one bucket (e.g. the erasure ledger), with the bucket key's use.
   * The object wildcard is unavoidable (object names are made at run time) and is acknowledged here, named.
   */
  bindBucket(envName: string, bucket: s3.IBucket, access: 'read' | 'write' | 'readwrite', prefix: string): this {
    this.addEnvironment(envName, bucket.bucketName);
    const objects = `${bucket.bucketArn}/${prefix}*`;
    const actions = [
      ...(access !== 'write' ? ['s3:GetObject'] : []),
      ...(access !== 'read' ? ['s3:PutObject', 's3:AbortMultipartUpload'] : []),
    ];
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [objects] }));
    if (access !== 'write') {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
        }),
      );
    }
    if (bucket.encryptionKey) {
      // Only through S3, for this bucket's objects (the bucket key's context is the bucket ARN).
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: access === 'read' ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [bucket.encryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${IRELAND}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': `${bucket.bucketArn}*` },
          },
        }),
      );
    }
    acknowledgeResolved(
      this.role,
      () => `AwsSolutions-IAM5[Resource::${nagResourceName(this, objects)}]`,
      `Objects under ${prefix} are named at run time (one per erasure, export or restore); access is limited to that prefix of this one bucket.`,
    );
    return this;
  }
}

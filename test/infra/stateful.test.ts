import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_RETENTION_DAYS, MAX_RETENTION_DAYS } from '#core/retention.ts';
import { TTL_ATTRIBUTE, USER_EXPIRY_INDEX, USER_INDEX } from '#core/schema.ts';
import { templates } from '../helpers/synth.ts';

let t: ReturnType<typeof templates>;
beforeAll(() => {
  t = templates();
});

describe('stateful stack: tables keep the promises', () => {
  it('has the four tables, each on-demand, PITR on, deletion-protected, KMS customer-managed, with TTL on expiresAt (P7, P16)', () => {
    const tables = t.stateful.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(4);
    for (const [id, table] of Object.entries(tables)) {
      const p = (table as any).Properties;
      expect(p.BillingMode, id).toBe('PAY_PER_REQUEST');
      expect(p.PointInTimeRecoverySpecification, id).toEqual({
        PointInTimeRecoveryEnabled: true,
        RecoveryPeriodInDays: BACKUP_RETENTION_DAYS,
      });
      expect(p.DeletionProtectionEnabled, id).toBe(true);
      expect(p.SSESpecification, id).toMatchObject({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: expect.anything(),
      });
      expect(p.TimeToLiveSpecification, id).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
      expect((table as any).DeletionPolicy, id).toBe('Retain');
    }
  });

  it('indexes interactions by user for access, export and erasure', () => {
    t.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: USER_INDEX,
          KeySchema: [
            { AttributeName: 'userKey', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
  });

  it('indexes Users rows by expiry, keys only, for the retention auditor (O(expired))', () => {
    t.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: USER_EXPIRY_INDEX,
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: TTL_ATTRIBUTE, KeyType: 'RANGE' },
          ],
          // no label (the identifier) in it: only what the auditor needs
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['lastSeen', 'erasing'] },
        }),
      ]),
    });
  });

  it('uses a customer-managed KMS key with rotation', () => {
    t.stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('stateful stack: the backup bucket stays in Ireland and expires (P1, P9, P16)', () => {
  const backup = () => {
    const [id, b] = Object.entries(t.stateful.findResources('AWS::S3::Bucket')).find(([id]) =>
      id.startsWith('Backups'),
    )!;
    return { id, p: (b as any).Properties };
  };

  it('is SSE-KMS with the project key, versioned, fully private, and logs access', () => {
    const { p } = backup();
    expect(p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toMatchObject({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: expect.anything(),
    });
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(p.LoggingConfiguration).toMatchObject({ DestinationBucketName: expect.anything() });
  });

  it('expires current versions within the retention and noncurrent ones within 90 days', () => {
    for (const b of Object.values(t.stateful.findResources('AWS::S3::Bucket'))) {
      const rules = (b as any).Properties.LifecycleConfiguration.Rules;
      expect(rules.length).toBeGreaterThan(0);
      for (const r of rules) {
        expect(r.Status).toBe('Enabled');
        expect(r.ExpirationInDays).toBeLessThanOrEqual(MAX_RETENTION_DAYS);
        expect(r.NoncurrentVersionExpiration.NoncurrentDays).toBeLessThanOrEqual(MAX_RETENTION_DAYS);
      }
    }
    expect(backup().p.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(BACKUP_RETENTION_DAYS);
  });

  it('denies plain HTTP and denies setting up replication', () => {
    const policies = Object.values(t.stateful.findResources('AWS::S3::BucketPolicy')).map((p: any) => p.Properties);
    const backupPolicy = policies.find((p) => p.Bucket.Ref.startsWith('Backups'))!;
    const statements = backupPolicy.PolicyDocument.Statement;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
        expect.objectContaining({ Effect: 'Deny', Action: 's3:PutReplicationConfiguration', Principal: { AWS: '*' } }),
      ]),
    );
    for (const p of policies) {
      expect(p.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      );
    }
  });
});

describe('stateful stack: the people who sign in (issue 21)', () => {
  const pools = () => Object.entries(t.stateful.findResources('AWS::Cognito::UserPool')) as Array<[string, any]>;
  const pool = (name: string) => pools().find(([id]) => id.startsWith(`People${name}`))![1].Properties;

  it('has a customers pool and a staff pool in eu-west-1, invitation only, with threat protection', () => {
    expect(pools()).toHaveLength(2);
    for (const name of ['Customers', 'Staff']) {
      const p = pool(name);
      expect(p.AdminCreateUserConfig.AllowAdminCreateUserOnly, name).toBe(true);
      expect(p.UserPoolTier, name).toBe('PLUS');
      expect(p.UserPoolAddOns.AdvancedSecurityMode, name).toBe('ENFORCED');
      expect(p.Policies.PasswordPolicy.MinimumLength, name).toBeGreaterThanOrEqual(12);
      expect(p.EnabledMfas, name).toEqual(['SOFTWARE_TOKEN_MFA']);
      // its mail (invitations, reset codes) goes through SES in Ireland (the stacks' region is pinned: guardrails)
      expect(JSON.stringify(p.EmailConfiguration.SourceArn), name).toContain('ses:eu-west-1:');
    }
  });

  it('requires TOTP MFA for staff; customers may turn it on', () => {
    expect(pool('Staff').MfaConfiguration).toBe('ON');
    expect(pool('Customers').MfaConfiguration).toBe('OPTIONAL');
  });

  it('staff roles are the pool’s groups; a customer’s accounts are attributes the console client cannot write', () => {
    const groups = Object.values(t.stateful.findResources('AWS::Cognito::UserPoolGroup')) as any[];
    expect(groups.map((g) => g.Properties.GroupName).sort()).toEqual(['admin', 'engineer', 'support']);
    const clients = Object.values(t.stateful.findResources('AWS::Cognito::UserPoolClient')) as any[];
    expect(clients).toHaveLength(2);
    for (const c of clients) {
      expect(c.Properties.WriteAttributes ?? []).toEqual([]);
      expect(c.Properties.ExplicitAuthFlows).toContain('ALLOW_USER_PASSWORD_AUTH');
      expect(c.Properties.EnableTokenRevocation).toBe(true);
      expect(c.Properties.PreventUserExistenceErrors).toBe('ENABLED');
    }
  });
});

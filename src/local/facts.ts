import { IRELAND } from '#core/region.ts';
import type { ConfigFacts } from '#core/processing-record.ts';
import { type CloudModel, resources, synthesize } from './template.ts';

/** Facts for the record of processing, read from the synthesized templates (the configuration in force). */
export function factsFromModel(model: CloudModel = synthesize()): ConfigFacts {
  const all = resources(model);
  const policies = resources(model, 'AWS::S3::BucketPolicy');
  return {
    region: IRELAND,
    services: [...new Set(all.map((r) => r.resource.Type))],
    tables: resources(model, 'AWS::DynamoDB::Table').map(({ id, resource: r }) => ({
      name: id.replace(/[0-9A-F]{8}$/, ''),
      ttlAttribute: r.Properties?.TimeToLiveSpecification?.Enabled
        ? r.Properties.TimeToLiveSpecification.AttributeName
        : undefined,
      kms: r.Properties?.SSESpecification?.SSEType === 'KMS',
      pitr: !!r.Properties?.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled,
    })),
    buckets: resources(model, 'AWS::S3::Bucket').map(({ id, resource: r }) => {
      const statements = policies
        .filter((p) => p.resource.Properties?.Bucket?.Ref === id)
        .flatMap((p) => p.resource.Properties!.PolicyDocument.Statement);
      return {
        name: id.replace(/[0-9A-F]{8}$/, ''),
        expirationDays: r.Properties?.LifecycleConfiguration?.Rules?.[0]?.ExpirationInDays,
        kms:
          r.Properties?.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault
            ?.SSEAlgorithm === 'aws:kms',
        tlsOnly: statements.some(
          (s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
        ),
        replicationDenied: statements.some(
          (s: any) => s.Effect === 'Deny' && s.Action === 's3:PutReplicationConfiguration',
        ),
      };
    }),
    functions: resources(model, 'AWS::Lambda::Function').length,
    waf: all.some((r) => r.resource.Type === 'AWS::WAFv2::WebACL'),
  };
}

import { IRELAND } from '#core/region.ts';
import { type CloudModel, resources } from './template.ts';

/** A user pool's id and an app client's id as Cognito gives them (Ref), from the logical id. */
export const poolIdOf = (logicalId: string) => `${IRELAND}_${logicalId.replace(/[^A-Za-z0-9]/g, '')}`;
export const clientIdOf = (logicalId: string) => logicalId.replace(/[^A-Za-z0-9]/g, '').toLowerCase();

export const LOCAL_ACCOUNT = '000000000000';

/** The name a resource gets locally (CloudFormation would generate one; we use the logical id). */
export function physicalName(type: string, logicalId: string): string {
  if (type === 'AWS::S3::Bucket')
    return logicalId
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 63);
  return logicalId;
}

export function arnOf(type: string, logicalId: string): string {
  const name = physicalName(type, logicalId);
  const r = IRELAND;
  switch (type) {
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${r}:${LOCAL_ACCOUNT}:table/${name}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${r}:${LOCAL_ACCOUNT}:function:${name}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${name}`;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${r}:${LOCAL_ACCOUNT}:key/${name}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${r}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${r}:${LOCAL_ACCOUNT}:${name}`;
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${r}:${LOCAL_ACCOUNT}:${name}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${r}:${LOCAL_ACCOUNT}:log-group:${name}:*`;
    default:
      return `arn:aws:local:${r}:${LOCAL_ACCOUNT}:${type.replace(/::/g, '-')}/${name}`;
  }
}

/** A queue's URL as SQS gives it (Ref); the local SQS finds the queue by its last segment. */
export const queueUrlOf = (logicalId: string): string =>
  `https://sqs.${IRELAND}.amazonaws.com/${LOCAL_ACCOUNT}/${physicalName('AWS::SQS::Queue', logicalId)}`;

/**
 * Resolves the CloudFormation intrinsics CDK emits (Ref, GetAtt, Join, Select, Split, Sub, ImportValue)
 * against local physical names, so environment variables, ARNs and state machine definitions become
 * concrete values.
 */
export class Resolver {
  private readonly types = new Map<string, string>();
  private readonly exports = new Map<string, unknown>();

  constructor(model: CloudModel) {
    for (const { stack, id, resource } of resources(model)) this.types.set(`${stack}/${id}`, resource.Type);
    for (const [stack, t] of Object.entries(model.stacks)) {
      for (const out of Object.values(t.Outputs ?? {})) {
        if (out.Export) this.exports.set(String(this.resolve(stack, out.Export.Name)), { stack, value: out.Value });
      }
    }
  }

  resolve(stack: string, value: unknown): any {
    if (Array.isArray(value)) return value.map((v) => this.resolve(stack, v));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const k = keys[0]!;
      const arg = obj[k];
      switch (k) {
        case 'Ref':
          return this.ref(stack, String(arg));
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
          return this.getAtt(stack, id!, attr!);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(stack, parts) as unknown[]).join(sep);
        }
        case 'Fn::Select': {
          const [i, list] = arg as [unknown, unknown];
          return (this.resolve(stack, list) as unknown[])[Number(this.resolve(stack, i))];
        }
        case 'Fn::Split': {
          const [sep, s] = arg as [string, unknown];
          return String(this.resolve(stack, s)).split(sep);
        }
        case 'Fn::Sub': {
          const [tpl, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
          return tpl.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (vars && name in vars) return String(this.resolve(stack, vars[name]));
            if (name.includes('.')) {
              const [id, attr] = name.split('.');
              return String(this.getAtt(stack, id!, attr!));
            }
            return String(this.ref(stack, name));
          });
        }
        case 'Fn::ImportValue': {
          const name = String(this.resolve(stack, arg));
          const exp = this.exports.get(name) as { stack: string; value: unknown } | undefined;
          if (!exp) throw new Error(`local runtime: no export named ${name}`);
          return this.resolve(exp.stack, exp.value);
        }
        default:
          if (k.startsWith('Fn::')) throw new Error(`local runtime: intrinsic ${k} is not supported`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = this.resolve(stack, v);
    return out;
  }

  private ref(stack: string, name: string): string {
    switch (name) {
      case 'AWS::Region':
        return IRELAND;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack;
      case 'AWS::NoValue':
        return '';
    }
    const type = this.types.get(`${stack}/${name}`);
    if (!type) throw new Error(`local runtime: ${stack} has no resource ${name}`);
    if (type === 'AWS::StepFunctions::StateMachine' || type === 'AWS::SNS::Topic') return arnOf(type, name);
    if (type === 'AWS::SQS::Queue') return queueUrlOf(name);
    if (type === 'AWS::Cognito::UserPool') return poolIdOf(name);
    if (type === 'AWS::Cognito::UserPoolClient') return clientIdOf(name);
    return physicalName(type, name);
  }

  private getAtt(stack: string, id: string, attr: string): string {
    const type = this.types.get(`${stack}/${id}`);
    if (!type) throw new Error(`local runtime: ${stack} has no resource ${id}`);
    if (type === 'AWS::Cognito::UserPool') {
      if (attr === 'Arn') return `arn:aws:cognito-idp:${IRELAND}:${LOCAL_ACCOUNT}:userpool/${poolIdOf(id)}`;
      if (attr === 'ProviderURL') return `cognito-idp.${IRELAND}.amazonaws.com/${poolIdOf(id)}`;
    }
    if (attr === 'Arn' || attr === 'TopicArn') return arnOf(type, id);
    if (attr === 'QueueUrl') return queueUrlOf(id);
    if (attr === 'RootResourceId') return `${id}/root`;
    if (attr === 'Name' || attr === 'TopicName' || attr === 'QueueName') return physicalName(type, id);
    return `${arnOf(type, id)}/${attr}`;
  }
}

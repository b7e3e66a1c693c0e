import { SESSION_ROUTES } from '#core/routes/session.ts';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE_MAJOR } from '#lib/constructs/bundling.ts';
import { ENTRY_METADATA } from '#lib/constructs/lethe-function.ts';
import { templates } from '../helpers/synth.ts';

let t: ReturnType<typeof templates>;
beforeAll(() => {
  t = templates();
});

const functions = () => Object.entries(t.stateless.findResources('AWS::Lambda::Function')) as Array<[string, any]>;
const policyOf = (fnLogicalId: string) => {
  const fn = t.stateless.findResources('AWS::Lambda::Function')[fnLogicalId] as any;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(t.stateless.findResources('AWS::IAM::Policy')) as any[];
  return policies
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
};
const fnId = (prefix: string) => functions().find(([id]) => id.startsWith(prefix))![0];
const json = (v: unknown) => JSON.stringify(v);

describe('every function is built the same way (house construct)', () => {
  it("runs the project's Node major (nodejs24.x) on arm64 with tracing, JSON logs into its own log group, and names its handler source", () => {
    expect(functions().length).toBeGreaterThanOrEqual(5);
    for (const [id, f] of functions()) {
      expect(f.Properties.Runtime, id).toBe(`nodejs${NODE_MAJOR}.x`);
      expect(f.Properties.Architectures, id).toEqual(['arm64']);
      expect(f.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(f.Properties.LoggingConfig, id).toMatchObject({
        LogFormat: 'JSON',
        LogGroup: { Ref: expect.stringMatching(/Logs/) },
      });
      expect(f.Properties.Environment.Variables.NODE_OPTIONS, id).toBe('--enable-source-maps');
      expect(f.Metadata[ENTRY_METADATA], id).toMatch(/^lambdas\/[a-z-]+\/handler\.ts$/);
    }
  });

  it('keeps logs 30 days, encrypted with the project key', () => {
    for (const lg of Object.values(t.stateless.findResources('AWS::Logs::LogGroup')) as any[]) {
      expect(lg.Properties.RetentionInDays).toBe(30);
      expect(lg.Properties.KmsKeyId).toBeDefined();
    }
  });

  it('uses no AWS-managed policy on function roles', () => {
    for (const r of Object.values(t.stateless.findResources('AWS::IAM::Role')) as any[]) {
      if (r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service === 'lambda.amazonaws.com')
        expect(r.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('IAM scope: least privilege per function (P15)', () => {
  it('ingest may write interactions but never read them, and cannot touch the audit table', () => {
    const s = policyOf(fnId('IngestServer'));
    const onInteractions = s.filter((x) => json(x.Resource).includes('Interactions'));
    expect(onInteractions.flatMap((x) => x.Action)).not.toContain('dynamodb:Query');
    expect(onInteractions.flatMap((x) => x.Action)).not.toContain('dynamodb:Scan');
    expect(onInteractions.flatMap((x) => x.Action)).toContain('dynamodb:BatchWriteItem');
    expect(json(s)).not.toContain('Audit');
  });

  it('no function uses a wildcard action; only the auditor, breach and notify functions may scan (the Accounts table only)', () => {
    for (const [id] of functions()) {
      for (const st of policyOf(id)) {
        const actions = [st.Action].flat();
        if (actions.includes('dynamodb:Scan')) {
          expect(id, 'scans').toMatch(/^(Retention|Breach|Notify)/);
          expect(json(st.Resource)).toMatch(/Accounts/);
          expect(json(st.Resource)).not.toMatch(/Interactions|Users|Audit/);
        }
        for (const a of actions) expect(a, id).not.toMatch(/\*$/);
      }
    }
  });

  it('exports daily to the backup bucket of the eu-west-1 stateful stack, encrypted with the project key (P9)', () => {
    t.stateless.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
    const [id, fn] = functions().find(([id]) => id.startsWith('Backup'))!;
    expect(fn.Properties.Environment.Variables).toMatchObject({
      BACKUP_REGION: 'eu-west-1',
      BACKUP_BUCKET: { 'Fn::ImportValue': expect.stringMatching(/^LetheStateful:.*Backups/) },
      DATA_KEY_ID: expect.anything(),
    });
    const exports = policyOf(id).filter((s) => [s.Action].flat().includes('dynamodb:ExportTableToPointInTime'));
    expect(json(exports)).toMatch(/Interactions/);
    expect(json(exports)).toMatch(/Users/);
    expect(json(exports)).not.toMatch(/Accounts|Audit/);
  });

  it('watches breach deadlines every 15 minutes with a critical alarm past 48 hours (P14)', () => {
    t.stateless.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    t.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'BreachRecipientsPastDeadline',
      AlarmActions: Match.anyValue(),
    });
  });

  it('runs the retention auditor every hour as a state machine over accounts, and alarms when TTL falls behind', () => {
    const machines = t.stateless.findResources('AWS::StepFunctions::StateMachine');
    const [auditId] = Object.keys(machines).filter((id) => id.startsWith('RetentionAudit'));
    expect(auditId).toBeDefined();
    t.stateless.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ Arn: { Ref: auditId } })],
    });
    // accounts in parallel, each a child execution with its own history, each in steps from its checkpoint
    const definition = json(machines[auditId!]!.Properties.DefinitionString);
    expect(definition).toContain('DISTRIBUTED');
    expect(definition).toContain('MaxConcurrency');
    expect(definition).toContain('AccountDone?');
    t.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('retention auditor failed'),
      AlarmActions: Match.anyValue(),
    });
    t.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OverdueExpiredItemsDeleted',
      AlarmActions: Match.anyValue(),
    });
  });

  it('restores run as a state machine with progress: the API starts and reads it, only the worker writes tables', () => {
    const machines = t.stateless.findResources('AWS::StepFunctions::StateMachine');
    const [restoreId] = Object.keys(machines).filter((id) => id.startsWith('RestoreJob'));
    expect(restoreId).toBeDefined();
    const definition = json(machines[restoreId!]!.Properties.DefinitionString);
    for (const state of ['PrepareRestore', 'RestorePart', 'MoreToRestore?']) expect(definition).toContain(state);
    const backup = t.stateless.findResources('AWS::Lambda::Function')[fnId('Backup')] as any;
    expect(json(backup.Properties.Environment.Variables.RESTORE_STATE_MACHINE_ARN)).toContain(restoreId);
    const actions = (id: string) => policyOf(fnId(id)).flatMap((x) => [x.Action].flat() as string[]);
    expect(actions('Backup')).toEqual(
      expect.arrayContaining(['states:StartExecution', 'states:DescribeExecution', 'states:GetExecutionHistory']),
    );
    expect(actions('Backup')).not.toContain('dynamodb:BatchWriteItem');
    expect(actions('Restore')).toContain('dynamodb:BatchWriteItem');
    t.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('restore failed'),
      AlarmActions: Match.anyValue(),
    });
  });

  it('the audit table is append-only: no function may update or delete an audit record', () => {
    for (const [id] of functions()) {
      // the Audit table's statements (the AuditPepper secret's name also says Audit)
      const audit = policyOf(id).filter(
        (x) => json(x.Resource).includes('Audit') && [x.Action].flat().some((a: string) => a.startsWith('dynamodb:')),
      );
      for (const a of audit.flatMap((x) => [x.Action].flat()))
        expect(
          ['dynamodb:DescribeTable', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'],
          `${id} ${a}`,
        ).toContain(a);
    }
  });

  it('has one MFA-only role per staff role; none reads Users/Interactions directly and none can change the audit trail', () => {
    const roles = Object.entries(t.stateless.findResources('AWS::IAM::Role')).filter(([id]) =>
      /^Staff(Support|Engineer|ItAdmin)Role/.test(id),
    );
    expect(roles).toHaveLength(3);
    for (const [id, r] of roles as Array<[string, any]>) {
      expect(json(r.Properties.AssumeRolePolicyDocument)).toContain('aws:MultiFactorAuthPresent');
      const statements = (Object.values(t.stateless.findResources('AWS::IAM::Policy')) as any[])
        .filter((p) => p.Properties.Roles.some((x: any) => x.Ref === id))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
      const allows = statements.filter((s) => s.Effect === 'Allow');
      expect(json(allows), id).not.toMatch(/dynamodb:/);
      const denyAudit = statements.find((s) => s.Sid === 'AuditIsImmutable');
      expect(denyAudit.Effect).toBe('Deny');
      expect(json(denyAudit.Resource)).toMatch(/Audit/);
      const denyRead = statements.find((s) => s.Sid === 'NoDirectPersonalDataReads');
      expect(json(denyRead.Resource)).toMatch(/Users/);
      expect(json(denyRead.Resource)).toMatch(/Interactions/);
    }
  });

  it('only the authorizer reads the token signing key; only the session function the audit pepper', () => {
    const secretOf = (id: string) =>
      policyOf(id)
        .filter((x) => [x.Action].flat().includes('secretsmanager:GetSecretValue'))
        .map((x) => JSON.stringify(x.Resource));
    for (const [id] of functions()) {
      const reads = secretOf(id);
      if (id.startsWith('Authorizer')) expect(reads.join(), id).toMatch(/TokenSigningKey/);
      else if (id.startsWith('Session')) expect(reads.join(), id).toMatch(/AuditPepper/);
      else expect(reads, id).toEqual([]);
      expect(reads).toHaveLength(id.startsWith('Authorizer') || id.startsWith('Session') ? 1 : 0);
    }
  });
});

describe('API: TLS, logging without personal data, request validation', () => {
  it('is a regional REST API whose access log has no source IP and no user agent (P2)', () => {
    t.stateless.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      BinaryMediaTypes: ['*/*'],
    });
    const stage = Object.values(t.stateless.findResources('AWS::ApiGateway::Stage'))[0] as any;
    const format = stage.Properties.AccessLogSetting.Format;
    expect(format).not.toMatch(/sourceIp|userAgent|caller|user\b/i);
    expect(stage.Properties.MethodSettings[0]).toMatchObject({ DataTraceEnabled: false });
    // X-Ray segments of the stage would record the caller's IP and the URL: no tracing there (functions trace)
    expect(stage.Properties.TracingEnabled).not.toBe(true);
    const paths = JSON.stringify(t.stateless.findResources('AWS::ApiGateway::Method'));
    expect(paths).not.toMatch(/method\.request\.querystring\.query/);
  });

  it('requires the signature headers on the server ingest route', () => {
    t.stateless.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestParameters: {
        'method.request.header.X-Lethe-Key-Id': true,
        'method.request.header.X-Lethe-Key-Proof': true,
        'method.request.header.X-Lethe-Timestamp': true,
        'method.request.header.X-Lethe-Signature': true,
      },
    });
  });

  it('lets the management function start, follow and stop erasures and re-scrubs, nothing more of Step Functions', () => {
    const policies = Object.values(t.stateless.findResources('AWS::IAM::Policy')) as any[];
    const statements = policies
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('ManagementRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actions = (s: any): string[] => [s.Action].flat();
    const sfn = statements.filter((s) => actions(s).some((a) => a.startsWith('states:')));
    expect([...new Set(sfn.flatMap(actions))].sort()).toEqual([
      'states:DescribeExecution',
      'states:GetExecutionHistory',
      'states:StartExecution',
      'states:StopExecution',
    ]);
    // starting names a state machine; everything else only its executions
    for (const s of sfn.filter((x) => !actions(x).includes('states:StartExecution')))
      expect(JSON.stringify(s.Resource)).toContain(':execution:');
    const machines = JSON.stringify(
      sfn.filter((x) => actions(x).includes('states:StartExecution')).map((x) => x.Resource),
    );
    expect(machines).toMatch(/ErasureWorkflow/);
    expect(machines).toMatch(/RescrubJob/);
    expect(machines).not.toMatch(/RestoreJob|RetentionAudit/);
  });

  it('puts every management route behind the token authorizer', () => {
    // (management, backup and breach routes)
    const methods = Object.values(t.stateless.findResources('AWS::ApiGateway::Method')) as any[];
    const custom = methods.filter((m) => m.Properties.AuthorizationType === 'CUSTOM');
    expect(custom.length).toBeGreaterThanOrEqual(4);
    const open = methods.filter((m) => m.Properties.AuthorizationType !== 'CUSTOM');
    // only health, the console page and the browser agent's script are open to GET, and the sign-in routes (the
    // session function, which holds no data) to POST
    expect(open.filter((m) => m.Properties.HttpMethod === 'GET')).toHaveLength(3);
    const signIn = open.filter((m) => m.Properties.HttpMethod !== 'GET');
    expect(signIn).toHaveLength(SESSION_ROUTES.length);
    for (const m of signIn) expect(JSON.stringify(m.Properties.Integration.Uri)).toMatch(/Session[0-9A-F]{8}/);
  });

  it('throttles agents per account: an agents authorizer names each account’s usage-plan key, which the ingest routes require', () => {
    t.stateless.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    const authorizers = Object.values(t.stateless.findResources('AWS::ApiGateway::Authorizer')) as any[];
    expect(
      authorizers
        .filter((a) => a.Properties.Type === 'REQUEST')
        .map((a) => a.Properties.IdentitySource)
        .sort(),
    ).toEqual([
      'method.request.header.X-Lethe-Key-Id,method.request.header.X-Lethe-Key-Proof',
      'method.request.querystring.key',
    ]);
    const methods = Object.values(t.stateless.findResources('AWS::ApiGateway::Method')) as any[];
    const agentRoutes = methods.filter((m) => m.Properties.ApiKeyRequired === true);
    expect(agentRoutes).toHaveLength(2);
    t.stateless.hasResourceProperties('AWS::ApiGateway::UsagePlan', { UsagePlanName: 'lethe-agents' });
  });

  it('throttles agents per account through a usage plan and is behind a WAF', () => {
    t.stateless.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: Match.objectLike({ RateLimit: Match.anyValue(), BurstLimit: Match.anyValue() }),
    });
    t.stateless.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL' });
  });

  it('has the AWS managed common and known-bad-inputs rule groups, and a rate limit per browser origin and key', () => {
    const acl = Object.values(t.stateless.findResources('AWS::WAFv2::WebACL'))[0] as any;
    const rules = acl.Properties.Rules as any[];
    const managed = rules.map((r) => r.Statement.ManagedRuleGroupStatement?.Name).filter(Boolean);
    expect(managed).toEqual(['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet']);
    const perOrigin = rules.find((r) => r.Name === 'rate-limit-browser-per-origin-and-key')!.Statement
      .RateBasedStatement;
    expect(perOrigin.AggregateKeyType).toBe('CUSTOM_KEYS');
    expect(perOrigin.CustomKeys.map((k: any) => k.Header?.Name ?? k.QueryArgument?.Name)).toEqual(['origin', 'key']);
    expect(perOrigin.ScopeDownStatement.ByteMatchStatement.SearchString).toBe('/v1/browser-events');
    // sign-in: a tight budget per IP on the session routes (issue 21)
    const signIn = rules.find((r) => r.Name === 'rate-limit-sign-in-per-ip')!.Statement.RateBasedStatement;
    expect(signIn).toMatchObject({ Limit: 100, AggregateKeyType: 'IP' });
    expect(signIn.ScopeDownStatement.ByteMatchStatement.SearchString).toBe('/v1/session');
    expect(new Set(rules.map((r) => r.Priority)).size).toBe(rules.length);
  });
});

describe('KMS: each function can use the project key only for what its job needs (P15, P18)', () => {
  const kmsStatements = (prefix: string) =>
    policyOf(fnId(prefix)).filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('kms:')));
  const purposes = (prefix: string, action: string) =>
    kmsStatements(prefix)
      .filter((s: any) => [s.Action].flat().includes(action))
      .flatMap((s: any) => [s.Condition?.StringEquals?.['kms:EncryptionContext:purpose'] ?? []].flat());

  it('every KMS grant of every function is bound to a service (DynamoDB, S3) or to a secret purpose', () => {
    for (const [id] of functions()) {
      for (const s of policyOf(id).filter((x: any) => [x.Action].flat().some((a: string) => a.startsWith('kms:')))) {
        const c = { ...s.Condition?.StringEquals, ...s.Condition?.StringLike };
        expect(c['kms:ViaService'] ?? c['kms:EncryptionContext:purpose'], `${id} ${json(s)}`).toBeDefined();
      }
    }
  });

  it('the agents authorizer decrypts only agent secrets (key proofs); browser ingest only account keys; server ingest both', () => {
    expect(purposes('AgentAuthorizer', 'kms:Decrypt')).toEqual(['agent-secret']);
    expect(purposes('IngestBrowser', 'kms:Decrypt')).toEqual(['account-key']);
    expect(purposes('IngestServer', 'kms:Decrypt').sort()).toEqual(['account-key', 'agent-secret']);
    expect(purposes('Management', 'kms:Decrypt')).toEqual(['account-key']);
    expect(purposes('Erasure', 'kms:Decrypt')).toEqual(['account-key']);
  });

  it('table grants go through DynamoDB for that one table', () => {
    const s = kmsStatements('AgentAuthorizer').filter((x: any) => x.Condition.StringEquals['kms:ViaService']);
    expect(s.length).toBeGreaterThan(0);
    for (const x of s)
      expect(x.Condition.StringEquals).toMatchObject({
        'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com',
        'kms:EncryptionContext:aws:dynamodb:tableName': expect.anything(),
      });
  });
});

describe('the erasure workflow waits out in-flight ingest (P11)', () => {
  const definitionText = () => {
    const sm = Object.entries(t.stateless.findResources('AWS::StepFunctions::StateMachine')).find(([id]) =>
      id.startsWith('ErasureWorkflow'),
    )![1] as any;
    const d = sm.Properties.DefinitionString;
    return typeof d === 'string' ? d : (d['Fn::Join'][1] as unknown[]).filter((x) => typeof x === 'string').join('');
  };
  const ingestTimeout = () =>
    Math.max(
      ...functions()
        .filter(([id]) => id.startsWith('Ingest'))
        .map(([, f]) => f.Properties.Timeout as number),
    );

  it('after the tombstone (before erasing) and after completedAt (before the user row goes), longer than an ingest can run', () => {
    const text = definitionText();
    const wait = (name: string, next: string) =>
      new RegExp(`"${name}":\\{"Type":"Wait","Seconds":(\\d+),"Next":"${next}"\\}`).exec(text);
    const first = wait('AwaitInFlightIngest', 'EraseLinkedPage');
    const last = wait('AwaitLateIngest', 'LedgerReceiptAndDeleteUser');
    expect(first && last).toBeTruthy();
    for (const w of [first!, last!]) expect(Number(w[1])).toBeGreaterThan(ingestTimeout());
    expect(text).toMatch(/"WriteTombstone":\{[^}]*"Next":"AwaitInFlightIngest"/);
  });
});

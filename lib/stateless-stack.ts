import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { acknowledgeExecutions } from './constructs/nag.ts';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ENV } from '#core/schema.ts';
import type { LetheFunction } from './constructs/lethe-function.ts';
import { ErasureWorkflow } from './erasure-workflow.ts';
import { StaffAccess } from './staff-access.ts';
import type { StatefulStack } from './stateful-stack.ts';
import { ApiFirewall } from './stateless/firewall.ts';
import { createFunctions, type LetheFunctions } from './stateless/functions.ts';
import { IngestApi } from './stateless/ingest-api.ts';
import { rescrubJob, restoreJob, RetentionAudit } from './stateless/jobs.ts';
import { ManagementApi } from './stateless/management-api.ts';
import { NotificationQueue } from './stateless/notifications.ts';
import { Operations } from './stateless/operations.ts';
import { createRestApi } from './stateless/rest-api.ts';

export interface StatelessStackProps extends StackProps {
  data: StatefulStack;
}

/**
 * Everything that can be redeployed without touching data: the functions (lib/stateless/functions.ts), the
 * REST API with its ingest and management sides, the firewall, the erasure workflow, the schedules and alarms,
 * and the staff roles. Each is a construct with one job; business logic lives in src/core.
 */
export class StatelessStack extends Stack {
  readonly api: apigw.RestApi;
  readonly functions: LetheFunctions & Record<string, LetheFunction>;
  readonly erasure: ErasureWorkflow;
  readonly operatorsTopic: sns.Topic;
  readonly staff: StaffAccess;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { data } = props;
    this.functions = createFunctions(this, data);
    const f = this.functions;
    this.operatorsTopic = new Operations(this, 'Operations', { functions: f, key: data.key }).topic;

    new NotificationQueue(this, 'Notifications', {
      producers: [f.breach, f['ingest-server'], f['ingest-browser']],
      consumer: f.notify,
      alarmTopic: this.operatorsTopic,
    });

    new RetentionAudit(this, 'RetentionAudit', {
      worker: f.retention,
      key: data.key,
      alarmTopic: this.operatorsTopic,
    });

    restoreJob(this, { worker: f.restore, starter: f.backup, key: data.key, alarmTopic: this.operatorsTopic });
    rescrubJob(this, { worker: f.rescrub, starter: f.management, key: data.key, alarmTopic: this.operatorsTopic });

    this.erasure = new ErasureWorkflow(this, 'ErasureWorkflow', {
      worker: f.erasure,
      key: data.key,
      alarmTopic: this.operatorsTopic,
      // a batch that read the user's state before the tombstone may still be writing until the ingest timeout
      inFlightIngest: Duration.seconds(
        Math.max(...[f['ingest-server'], f['ingest-browser']].map((x) => x.timeout!.toSeconds())),
      ),
    });
    f.management.addEnvironment(ENV.erasureStateMachine, this.erasure.stateMachine.stateMachineArn);
    this.erasure.stateMachine.grantStartExecution(f.management);
    // cancel: the state machine's own stop, on its executions only (named by request ids, so a wildcard)
    this.erasure.stateMachine.grantExecution(f.management, 'states:StopExecution');
    acknowledgeExecutions(
      f.management.role!,
      this.erasure.stateMachine.stateMachineArn,
      'states:StopExecution on the executions of the erasure state machine only: their names are request ids, known only at run time.',
    );

    this.api = createRestApi(this, data.key);
    // notices link to the console's Settings
    f.notify.addEnvironment(ENV.consoleUrl, this.api.urlForPath('/console'));
    new IngestApi(this, 'IngestApi', { api: this.api, functions: f });
    new ManagementApi(this, 'ManagementApi', { api: this.api, functions: f });
    new ApiFirewall(this, 'Firewall', { api: this.api });
    this.staff = new StaffAccess(this, 'Staff', { data, app: this });
  }
}

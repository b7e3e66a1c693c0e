import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { assertIreland, IRELAND } from '#core/region.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface LetheAppOptions extends AppProps {
  /** Skip esbuild bundling (tests and the local runtime read templates only). */
  skipBundling?: boolean;
  /** Apply cdk-nag packs (on by default, as in `cdk synth`). */
  nag?: boolean;
  /** The environment that may request a region (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface LetheApp {
  app: App;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

/** Builds the whole Lethe app, pinned to eu-west-1. Used by bin/, the tests and the local runtime. */
export function buildApp(options: LetheAppOptions = {}): LetheApp {
  const { skipBundling, nag = true, env = process.env, ...appProps } = options;
  const context = { ...(appProps.context ?? {}) };
  if (skipBundling) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ ...appProps, context });

  const region = assertIreland([
    { source: 'CDK_DEFAULT_REGION', region: env.CDK_DEFAULT_REGION },
    { source: 'AWS_REGION', region: env.AWS_REGION },
    { source: 'AWS_DEFAULT_REGION', region: env.AWS_DEFAULT_REGION },
    { source: 'context region (-c region=)', region: app.node.tryGetContext('region') },
  ]);
  const stackEnv = { region, account: env.CDK_DEFAULT_ACCOUNT };

  const stateful = new StatefulStack(app, 'LetheStateful', {
    env: stackEnv,
    description: 'Lethe stateful resources: KMS key, DynamoDB tables, backup bucket (eu-west-1 only)',
    terminationProtection: true,
  });
  const stateless = new StatelessStack(app, 'LetheStateless', {
    env: stackEnv,
    description: 'Lethe stateless resources: functions, API, state machines (eu-west-1 only)',
    data: stateful,
  });
  Tags.of(app).add('project', 'lethe');
  Tags.of(app).add('data-residency', IRELAND);

  if (nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
  }
  return { app, stateful, stateless };
}

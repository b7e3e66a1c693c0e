import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#lib/app.ts';

/** Synthesizes once per test file (no bundling: templates only) and returns both stacks' templates. */
export function templates() {
  const { stateful, stateless } = buildApp({ skipBundling: true, nag: false, env: {} });
  return { stateful: Template.fromStack(stateful), stateless: Template.fromStack(stateless) };
}

import { buildApp } from '#lib/app.ts';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
  Metadata?: Record<string, any>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}
export interface CloudModel {
  /** stack name → template */
  stacks: Record<string, CfnTemplate>;
}

/**
 * Synthesizes the CDK app in-process (no bundling, no nag) and returns its templates:
 * the local runtime builds tables, buckets, routes and state machines from exactly what AWS would get.
 */
export function synthesize(): CloudModel {
  const { app } = buildApp({ skipBundling: true, nag: false, env: {} });
  const assembly = app.synth();
  const stacks: Record<string, CfnTemplate> = {};
  for (const stack of assembly.stacks) stacks[stack.stackName] = stack.template as CfnTemplate;
  return { stacks };
}

/** Every resource of the model with its stack and logical id, optionally of one type. */
export function resources(
  model: CloudModel,
  type?: string,
): Array<{ stack: string; id: string; resource: CfnResource }> {
  const out: Array<{ stack: string; id: string; resource: CfnResource }> = [];
  for (const [stack, template] of Object.entries(model.stacks)) {
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      if (!type || resource.Type === type) out.push({ stack, id, resource });
    }
  }
  return out;
}

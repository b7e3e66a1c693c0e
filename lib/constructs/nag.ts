import { ArnFormat, Fn, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag names a resource inside an IAM5 finding id (e.g. `<Fn1234.Arn>`, an export name, or a
 * literal ARN), so that an acknowledgement can name exactly the wildcard it accepts — never a blanket one.
 */
export function nagResourceName(scope: IConstruct, token: string): string {
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as {
      'Fn::ImportValue'?: unknown;
      'Fn::GetAtt'?: [string, string];
      Ref?: string;
      'Fn::Join'?: [string, unknown[]];
    };
    if (o['Fn::ImportValue']) return render(o['Fn::ImportValue']);
    if (o['Fn::GetAtt']) return `<${o['Fn::GetAtt'][0]}.${o['Fn::GetAtt'][1]}>`;
    if (o.Ref) return `<${o.Ref}>`;
    if (o['Fn::Join']) return o['Fn::Join'][1].map(render).join(o['Fn::Join'][0]);
    return JSON.stringify(v);
  };
  return render(Stack.of(scope).resolve(token));
}

/**
 * Acknowledges a finding whose id names a resource only known once cross-stack references are resolved
 * (an export name): the id is computed during validation, after CDK has prepared the references.
 */
export function acknowledgeResolved(scope: IConstruct, id: () => string, reason: string): void {
  scope.node.addValidation({
    validate: () => {
      Validations.of(scope).acknowledge({ id: id(), reason });
      return [];
    },
  });
}

/**
 * Acknowledges a grant on the executions of one state machine (`…:execution:<machine name>:*`): their names are
 * chosen at run time (request ids, restore ids, a distributed Map's children), so the ARN ends in a wildcard.
 */
export function acknowledgeExecutions(
  on: IConstruct,
  stateMachineArn: string,
  reason: string,
  suffixes: string[] = [':*'],
): void {
  const stack = Stack.of(on);
  const executions = stack.formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: Fn.select(6, Fn.split(':', stateMachineArn)),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  for (const suffix of suffixes)
    acknowledgeResolved(on, () => `AwsSolutions-IAM5[Resource::${nagResourceName(on, executions + suffix)}]`, reason);
}

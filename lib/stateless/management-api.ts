import { Duration, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { ALL_ROUTES, type RouteFunction } from '#core/routes/index.ts';
import { SESSION_ROUTES } from '#core/routes/session.ts';
import type { LetheFunctions } from './functions.ts';
import { proxy, resourceAt } from './rest-api.ts';

const PUBLIC_PAGE = 'Serves a static page with no data; every data call it makes goes to token-authorized routes.';
const PROBE = 'Liveness probe: returns a constant, reads no data.';

/**
 * The people's side of the API: every route of the route table (src/core/routes/) behind the token
 * authorizer (role and account scope, checked again per operation by the function), plus the console page and
 * the liveness probe. The handlers' dispatch and the OpenAPI document come from the same table.
 */
export class ManagementApi extends Construct {
  constructor(scope: Construct, id: string, props: { api: apigw.RestApi; functions: LetheFunctions }) {
    super(scope, id);
    const { api, functions: f } = props;
    const open = (path: string, target: keyof LetheFunctions, reason: string) => {
      const m = resourceAt(api.root, path).addMethod('GET', proxy(f[target]));
      Validations.of(m).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
    };
    open('/health', 'health', PROBE);
    // The customer console: a static page from this API (eu-west-1), which then calls the API with the customer's
    // token.
    open('/console', 'console', PUBLIC_PAGE);
    // The browser agent's script (docs/browser-agent.md), which customers' pages load with one tag.
    open(
      '/agent/v1.js',
      'console',
      'Serves the browser agent script: public code with no data; it sends with a public key.',
    );

    // The console's sign-in: no token exists yet; the session function checks the password with Cognito.
    for (const r of SESSION_ROUTES) {
      const m = resourceAt(api.root, r.path).addMethod(r.method, proxy(f.session));
      const reason =
        'Sign-in itself: the session function verifies the e-mail and password with the Cognito user pool (audited; WAF rate rule and Cognito lockout against guessing).';
      Validations.of(m).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
    }

    const authorizer = new apigw.TokenAuthorizer(this, 'StaffAuthorizer', {
      handler: f.authorizer,
      resultsCacheTtl: Duration.seconds(0),
    });
    const targets: Record<RouteFunction, keyof LetheFunctions> = {
      management: 'management',
      backup: 'backup',
      breach: 'breach',
    };
    for (const r of ALL_ROUTES) {
      const m = resourceAt(api.root, r.path).addMethod(r.method, proxy(f[targets[r.fn]]), {
        authorizer,
        authorizationType: apigw.AuthorizationType.CUSTOM,
      });
      Validations.of(m).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'Staff and customer tokens are verified by the Lambda token authorizer (role + account scope), see docs/access.md.',
      });
    }
  }
}

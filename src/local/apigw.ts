import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { LOCAL_ACCOUNT } from './intrinsics.ts';
import type { LocalLambdas } from './lambdas.ts';
import { type CloudModel, resources } from './template.ts';

interface Route {
  method: string;
  /** e.g. /v1/accounts/{accountId} */
  resourcePath: string;
  pattern: RegExp;
  params: string[];
  functionArn: string;
  authorizer?: { functionArn: string; type: 'TOKEN' | 'REQUEST'; headers: string[]; query: string[] };
  apiKeyRequired: boolean;
  requiredHeaders: string[];
  requiredQuery: string[];
}

export interface ApiModel {
  routes: Route[];
  binaryAll: boolean;
  stage: string;
  apiKeysFromAuthorizer: boolean;
}

/** API Gateway's own payload limit. */
const MAX_PAYLOAD = 10 * 1024 * 1024;

function findFunctionArn(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (Array.isArray(o['Fn::GetAtt']) && (o['Fn::GetAtt'] as string[])[1] === 'Arn') return (o['Fn::GetAtt'] as string[])[0];
  for (const x of Object.values(o)) {
    const found = Array.isArray(x) ? x.map(findFunctionArn).find(Boolean) : findFunctionArn(x);
    if (found) return found;
  }
  return undefined;
}

/** Builds the routing table from the template's RestApi, Resources, Methods and Authorizers. */
export function apiFromTemplate(model: CloudModel, fnArn: (logicalId: string) => string): ApiModel {
  const all = resources(model);
  const byId = new Map(all.map((r) => [r.id, r.resource]));
  const pathOf = (ref: any): string => {
    if (ref?.['Fn::GetAtt']?.[1] === 'RootResourceId') return '';
    const id = ref?.Ref as string;
    const r = byId.get(id);
    if (!r || r.Type !== 'AWS::ApiGateway::Resource') throw new Error(`local API: unknown resource ${JSON.stringify(ref)}`);
    return `${pathOf(r.Properties!.ParentId)}/${r.Properties!.PathPart}`;
  };
  const routes: Route[] = [];
  for (const { resource } of all.filter((r) => r.resource.Type === 'AWS::ApiGateway::Method')) {
    const p = resource.Properties!;
    const fn = findFunctionArn(p.Integration?.Uri);
    if (!fn) continue;
    const resourcePath = pathOf(p.ResourceId) || '/';
    const params: string[] = [];
    const pattern = new RegExp(`^${resourcePath.replace(/\{([^}]+)\}/g, (_, n: string) => { params.push(n); return '([^/]+)'; })}$`);
    let authorizer: Route['authorizer'];
    if (p.AuthorizationType === 'CUSTOM') {
      const a = byId.get(p.AuthorizerId.Ref)!;
      const sources = String(a.Properties!.IdentitySource).split(',').map((x) => x.trim());
      authorizer = {
        functionArn: fnArn(findFunctionArn(a.Properties!.AuthorizerUri)!),
        type: a.Properties!.Type,
        headers: sources.filter((x) => x.startsWith('method.request.header.')).map((x) => x.slice('method.request.header.'.length).toLowerCase()),
        query: sources.filter((x) => x.startsWith('method.request.querystring.')).map((x) => x.slice('method.request.querystring.'.length)),
      };
    }
    const req = Object.entries((p.RequestParameters ?? {}) as Record<string, boolean>).filter(([, v]) => v).map(([k]) => k);
    routes.push({
      method: p.HttpMethod,
      resourcePath,
      pattern,
      params,
      functionArn: fnArn(fn),
      authorizer,
      apiKeyRequired: !!p.ApiKeyRequired,
      requiredHeaders: req.filter((k) => k.startsWith('method.request.header.')).map((k) => k.slice('method.request.header.'.length)),
      requiredQuery: req.filter((k) => k.startsWith('method.request.querystring.')).map((k) => k.slice('method.request.querystring.'.length)),
    });
  }
  const api = all.find((r) => r.resource.Type === 'AWS::ApiGateway::RestApi');
  const stage = all.find((r) => r.resource.Type === 'AWS::ApiGateway::Stage');
  return {
    routes,
    binaryAll: (api?.resource.Properties?.BinaryMediaTypes ?? []).includes('*/*'),
    apiKeysFromAuthorizer: api?.resource.Properties?.ApiKeySourceType === 'AUTHORIZER',
    stage: stage?.resource.Properties?.StageName ?? 'local',
  };
}

/** Lambda's limit for a synchronous (buffered) response payload: 6 MB. */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6_291_556;

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export interface LocalApiOptions {
  api: ApiModel;
  lambdas: LocalLambdas;
  /** extra routes served by the runtime itself (e.g. the Step Functions endpoint); return true if handled */
  extra?: (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => Promise<boolean>;
}

/**
 * A local REST API Gateway: same proxy events, same authorizer contract, same request-parameter
 * validation, same 10 MB limit. Paths are served without the stage prefix.
 */
export function createApiServer({ api, lambdas, extra }: LocalApiOptions): http.Server {
  return http.createServer((req, res) => void (async () => {
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > MAX_PAYLOAD) return json(res, 413, { message: 'Request Too Long' });
        chunks.push(c as Buffer);
      }
      const body = Buffer.concat(chunks);
      if (extra && (await extra(req, body, res))) return;

      const url = new URL(req.url ?? '/', 'http://local');
      const method = req.method ?? 'GET';
      const candidates = api.routes.filter((r) => r.pattern.test(url.pathname));
      if (candidates.length === 0) return json(res, 403, { message: 'Missing Authentication Token' });
      const route = candidates.find((r) => r.method === method || r.method === 'ANY');
      if (!route) return json(res, 403, { message: 'Missing Authentication Token' });
      const m = route.pattern.exec(url.pathname)!;
      let pathParameters: Record<string, string>;
      try {
        pathParameters = Object.fromEntries(route.params.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      } catch {
        // a malformed percent-escape: API Gateway answers 400 before any function runs
        return json(res, 400, { message: 'Bad Request: malformed percent-encoding in the path' });
      }

      const headers: Record<string, string> = {};
      const multiValueHeaders: Record<string, string[]> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i]!;
        const v = req.rawHeaders[i + 1]!;
        headers[k] = v;
        (multiValueHeaders[k] ??= []).push(v);
      }
      const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      const query: Record<string, string> = {};
      const multiQuery: Record<string, string[]> = {};
      for (const [k, v] of url.searchParams) {
        query[k] = v;
        (multiQuery[k] ??= []).push(v);
      }
      const missing = [
        ...route.requiredHeaders.filter((h) => !lower[h.toLowerCase()]),
        ...route.requiredQuery.filter((q) => !(q in query)),
      ];
      if (missing.length) return json(res, 400, { message: `Missing required request parameters: [${missing.join(', ')}]` });

      const requestId = randomUUID();
      let authorizerContext: Record<string, unknown> | undefined;
      if (route.authorizer) {
        const a = route.authorizer;
        // API Gateway answers 401 without calling the authorizer when an identity source is missing
        if (a.headers.some((h) => !lower[h]) || a.query.some((q) => !(q in query))) return json(res, 401, { message: 'Unauthorized' });
        const methodArn = `arn:aws:execute-api:eu-west-1:${LOCAL_ACCOUNT}:local/${api.stage}/${method}${url.pathname}`;
        const authEvent = a.type === 'TOKEN'
          ? { type: 'TOKEN', authorizationToken: lower[a.headers[0]!], methodArn }
          : { type: 'REQUEST', methodArn, resource: route.resourcePath, path: url.pathname, httpMethod: method, headers, queryStringParameters: Object.keys(query).length ? query : null, pathParameters, requestContext: { stage: api.stage } };
        let policy: any;
        try {
          policy = await lambdas.invoke(a.functionArn, authEvent);
        } catch (e) {
          if ((e as Error).message === 'Unauthorized') return json(res, 401, { message: 'Unauthorized' });
          throw e;
        }
        const allowed = (policy?.policyDocument?.Statement ?? []).some((s: any) => s.Effect === 'Allow' && [s.Resource].flat().some((r: string) => r === methodArn || (r.endsWith('*') && methodArn.startsWith(r.slice(0, -1)))));
        if (!allowed) return json(res, 403, { message: 'User is not authorized to access this resource with an explicit deny' });
        // with API keys sourced from the authorizer, a method that requires one gets 403 without it
        if (route.apiKeyRequired && api.apiKeysFromAuthorizer && !policy.usageIdentifierKey) return json(res, 403, { message: 'Forbidden' });
        authorizerContext = { ...(policy.context ?? {}), principalId: policy.principalId };
      }

      const isBase64Encoded = api.binaryAll && body.length > 0;
      const event: APIGatewayProxyEvent = {
        resource: route.resourcePath,
        path: url.pathname,
        httpMethod: method,
        headers,
        multiValueHeaders,
        queryStringParameters: Object.keys(query).length ? query : null,
        multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
        pathParameters: route.params.length ? pathParameters : null,
        stageVariables: null,
        body: body.length ? (isBase64Encoded ? body.toString('base64') : body.toString('utf8')) : null,
        isBase64Encoded,
        requestContext: {
          accountId: LOCAL_ACCOUNT,
          apiId: 'local',
          authorizer: authorizerContext,
          protocol: `HTTP/${req.httpVersion}`,
          httpMethod: method,
          path: `/${api.stage}${url.pathname}`,
          stage: api.stage,
          requestId,
          requestTimeEpoch: Date.now(),
          resourceId: route.resourcePath,
          resourcePath: route.resourcePath,
          identity: {
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: lower['user-agent'] ?? null,
          } as any,
        } as any,
      };
      const result = (await lambdas.invoke(route.functionArn, event)) as APIGatewayProxyResult;
      // Lambda refuses a synchronous response over 6 MB (the serialized result), and API Gateway answers 502.
      if (Buffer.byteLength(JSON.stringify(result)) > LAMBDA_RESPONSE_LIMIT_BYTES) {
        return json(res, 502, { message: 'Internal server error' }, { 'x-amzn-errortype': 'LambdaResponseSizeTooLarge' });
      }
      const outHeaders: Record<string, string | string[]> = { 'x-amzn-requestid': requestId };
      for (const [k, v] of Object.entries(result.headers ?? {})) outHeaders[k.toLowerCase()] = String(v);
      for (const [k, v] of Object.entries(result.multiValueHeaders ?? {})) outHeaders[k.toLowerCase()] = v.map(String);
      res.writeHead(result.statusCode, outHeaders);
      res.end(result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined);
    } catch (e) {
      // API Gateway answers 502 when the integration throws or returns garbage.
      console.error('[local api] integration error:', e);
      if (!res.headersSent) json(res, 502, { message: 'Internal server error' });
      else res.end();
    }
  })());
}

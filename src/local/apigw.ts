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
  if (Array.isArray(o['Fn::GetAtt']) && (o['Fn::GetAtt'] as string[])[1] === 'Arn')
    return (o['Fn::GetAtt'] as string[])[0];
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
    if (!r || r.Type !== 'AWS::ApiGateway::Resource')
      throw new Error(`local API: unknown resource ${JSON.stringify(ref)}`);
    return `${pathOf(r.Properties!.ParentId)}/${r.Properties!.PathPart}`;
  };
  const routes: Route[] = [];
  for (const { resource } of all.filter((r) => r.resource.Type === 'AWS::ApiGateway::Method')) {
    const p = resource.Properties!;
    const fn = findFunctionArn(p.Integration?.Uri);
    if (!fn) continue;
    const resourcePath = pathOf(p.ResourceId) || '/';
    const params: string[] = [];
    const pattern = new RegExp(
      `^${resourcePath.replace(/\{([^}]+)\}/g, (_, n: string) => {
        params.push(n);
        return '([^/]+)';
      })}$`,
    );
    let authorizer: Route['authorizer'];
    if (p.AuthorizationType === 'CUSTOM') {
      const a = byId.get(p.AuthorizerId.Ref)!;
      const sources = String(a.Properties!.IdentitySource)
        .split(',')
        .map((x) => x.trim());
      authorizer = {
        functionArn: fnArn(findFunctionArn(a.Properties!.AuthorizerUri)!),
        type: a.Properties!.Type,
        headers: sources
          .filter((x) => x.startsWith('method.request.header.'))
          .map((x) => x.slice('method.request.header.'.length).toLowerCase()),
        query: sources
          .filter((x) => x.startsWith('method.request.querystring.'))
          .map((x) => x.slice('method.request.querystring.'.length)),
      };
    }
    const req = Object.entries((p.RequestParameters ?? {}) as Record<string, boolean>)
      .filter(([, v]) => v)
      .map(([k]) => k);
    routes.push({
      method: p.HttpMethod,
      resourcePath,
      pattern,
      params,
      functionArn: fnArn(fn),
      authorizer,
      apiKeyRequired: !!p.ApiKeyRequired,
      requiredHeaders: req
        .filter((k) => k.startsWith('method.request.header.'))
        .map((k) => k.slice('method.request.header.'.length)),
      requiredQuery: req
        .filter((k) => k.startsWith('method.request.querystring.'))
        .map((k) => k.slice('method.request.querystring.'.length)),
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

/** An answer the gateway gives by itself (no function ran, or the function's answer was refused). */
class GatewayAnswer {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly headers: Record<string, string> = {},
  ) {}
}
const refuse = (status: number, message: string, headers?: Record<string, string>) =>
  new GatewayAnswer(status, message, headers);

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_PAYLOAD) throw refuse(413, 'Request Too Long');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The route and its decoded path parameters, as API Gateway matches them. */
function matchRoute(
  api: ApiModel,
  pathname: string,
  method: string,
): { route: Route; pathParameters: Record<string, string> } {
  const route = api.routes.find((r) => r.pattern.test(pathname) && (r.method === method || r.method === 'ANY'));
  if (!route) throw refuse(403, 'Missing Authentication Token');
  const m = route.pattern.exec(pathname)!;
  try {
    return {
      route,
      pathParameters: Object.fromEntries(route.params.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])),
    };
  } catch {
    // a malformed percent-escape: API Gateway answers 400 before any function runs
    throw refuse(400, 'Bad Request: malformed percent-encoding in the path');
  }
}

interface RequestParts {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  lower: Record<string, string>;
  query: Record<string, string>;
  multiQuery: Record<string, string[]>;
}

function partsOf(req: http.IncomingMessage, url: URL): RequestParts {
  const p: RequestParts = { headers: {}, multiValueHeaders: {}, lower: {}, query: {}, multiQuery: {} };
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const [k, v] = [req.rawHeaders[i]!, req.rawHeaders[i + 1]!];
    p.headers[k] = v;
    p.lower[k.toLowerCase()] = v;
    (p.multiValueHeaders[k] ??= []).push(v);
  }
  for (const [k, v] of url.searchParams) {
    p.query[k] = v;
    (p.multiQuery[k] ??= []).push(v);
  }
  return p;
}

const allows = (policy: any, methodArn: string) =>
  (policy?.policyDocument?.Statement ?? []).some(
    (s: any) =>
      s.Effect === 'Allow' &&
      [s.Resource]
        .flat()
        .some((r: string) => r === methodArn || (r.endsWith('*') && methodArn.startsWith(r.slice(0, -1)))),
  );

/** Runs the route's authorizer as API Gateway does; the context it grants, or a refusal. */
async function authorize(
  api: ApiModel,
  lambdas: LocalLambdas,
  at: { route: Route; method: string; pathname: string; parts: RequestParts; pathParameters: Record<string, string> },
): Promise<Record<string, unknown> | undefined> {
  const { route, method, pathname, parts } = at;
  const a = route.authorizer;
  if (!a) return undefined;
  // API Gateway answers 401 without calling the authorizer when an identity source is missing
  if (a.headers.some((h) => !parts.lower[h]) || a.query.some((q) => !(q in parts.query)))
    throw refuse(401, 'Unauthorized');
  const methodArn = `arn:aws:execute-api:eu-west-1:${LOCAL_ACCOUNT}:local/${api.stage}/${method}${pathname}`;
  const authEvent =
    a.type === 'TOKEN'
      ? { type: 'TOKEN', authorizationToken: parts.lower[a.headers[0]!], methodArn }
      : {
          type: 'REQUEST',
          methodArn,
          resource: route.resourcePath,
          path: pathname,
          httpMethod: method,
          headers: parts.headers,
          queryStringParameters: Object.keys(parts.query).length ? parts.query : null,
          pathParameters: at.pathParameters,
          requestContext: { stage: api.stage },
        };
  let policy: any;
  try {
    policy = await lambdas.invoke(a.functionArn, authEvent);
  } catch (e) {
    if ((e as Error).message === 'Unauthorized') throw refuse(401, 'Unauthorized');
    throw e;
  }
  if (!allows(policy, methodArn))
    throw refuse(403, 'User is not authorized to access this resource with an explicit deny');
  // with API keys sourced from the authorizer, a method that requires one gets 403 without it
  if (route.apiKeyRequired && api.apiKeysFromAuthorizer && !policy.usageIdentifierKey) throw refuse(403, 'Forbidden');
  return { ...(policy.context ?? {}), principalId: policy.principalId };
}

function proxyEvent(
  api: ApiModel,
  req: http.IncomingMessage,
  at: { route: Route; method: string; pathname: string; parts: RequestParts; pathParameters: Record<string, string> },
  body: Buffer,
  authorizer: Record<string, unknown> | undefined,
  requestId: string,
): APIGatewayProxyEvent {
  const { route, method, pathname, parts } = at;
  const isBase64Encoded = api.binaryAll && body.length > 0;
  return {
    resource: route.resourcePath,
    path: pathname,
    httpMethod: method,
    headers: parts.headers,
    multiValueHeaders: parts.multiValueHeaders,
    queryStringParameters: Object.keys(parts.query).length ? parts.query : null,
    multiValueQueryStringParameters: Object.keys(parts.multiQuery).length ? parts.multiQuery : null,
    pathParameters: route.params.length ? at.pathParameters : null,
    stageVariables: null,
    body: body.length ? (isBase64Encoded ? body.toString('base64') : body.toString('utf8')) : null,
    isBase64Encoded,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      authorizer,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: method,
      path: `/${api.stage}${pathname}`,
      stage: api.stage,
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: route.resourcePath,
      resourcePath: route.resourcePath,
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: parts.lower['user-agent'] ?? null,
      } as any,
    } as any,
  };
}

function send(res: http.ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  // Lambda refuses a synchronous response over 6 MB (the serialized result), and API Gateway answers 502.
  if (Buffer.byteLength(JSON.stringify(result)) > LAMBDA_RESPONSE_LIMIT_BYTES) {
    throw refuse(502, 'Internal server error', { 'x-amzn-errortype': 'LambdaResponseSizeTooLarge' });
  }
  const outHeaders: Record<string, string | string[]> = { 'x-amzn-requestid': requestId };
  for (const [k, v] of Object.entries(result.headers ?? {})) outHeaders[k.toLowerCase()] = String(v);
  for (const [k, v] of Object.entries(result.multiValueHeaders ?? {})) outHeaders[k.toLowerCase()] = v.map(String);
  res.writeHead(result.statusCode, outHeaders);
  res.end(result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined);
}

/**
 * A local REST API Gateway: same proxy events, same authorizer contract, same request-parameter
 * validation, same 10 MB limit. Paths are served without the stage prefix.
 */
export function createApiServer({ api, lambdas, extra }: LocalApiOptions): http.Server {
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = await readBody(req);
    if (extra && (await extra(req, body, res))) return;
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const { route, pathParameters } = matchRoute(api, url.pathname, method);
    const parts = partsOf(req, url);
    const missing = [
      ...route.requiredHeaders.filter((h) => !parts.lower[h.toLowerCase()]),
      ...route.requiredQuery.filter((q) => !(q in parts.query)),
    ];
    if (missing.length) throw refuse(400, `Missing required request parameters: [${missing.join(', ')}]`);
    const at = { route, method, pathname: url.pathname, parts, pathParameters };
    const requestId = randomUUID();
    const authorizer = await authorize(api, lambdas, at);
    const result = (await lambdas.invoke(
      route.functionArn,
      proxyEvent(api, req, at, body, authorizer, requestId),
    )) as APIGatewayProxyResult;
    send(res, result, requestId);
  };
  return http.createServer((req, res) => {
    serve(req, res).catch((e: unknown) => {
      if (e instanceof GatewayAnswer) return json(res, e.status, { message: e.message }, e.headers);
      // API Gateway answers 502 when the integration throws or returns garbage.
      console.error('[local api] integration error:', e);
      if (!res.headersSent) json(res, 502, { message: 'Internal server error' });
      else res.end();
    });
  });
}

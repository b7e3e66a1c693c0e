import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT } from 'jose';
import { MAX_TOKEN_SECONDS, type Principal, ROLES, SCOPE_ENTRY } from '#core/access.ts';
import { type PoolKind, principalFromClaims } from '#core/people.ts';
import { IRELAND } from '#core/region.ts';
import { ENV } from '#core/schema.ts';
import { secrets } from './aws.ts';

export const TOKEN_ISSUER = 'lethe';
export const TOKEN_AUDIENCE = 'lethe-management';

/** A key on AWS: a Secrets Manager secret named by an environment variable, read once per container. */
export async function secretsManagerKey(envName = 'AUTH_SECRET_ARN'): Promise<Uint8Array> {
  const { sdk, client } = await secrets();
  const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: process.env[envName] }));
  return Buffer.from(out.SecretString!, 'utf8');
}
export const secretsManagerSigningKey = () => secretsManagerKey('AUTH_SECRET_ARN');

/** The token signing key locally (or another key: `name`): a file in the data folder (created on first use, 0600). */
export function localSigningKey(dataDir: string, name = 'signing.key'): Uint8Array {
  const file = path.join(dataDir, 'auth', name);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return Buffer.from(fs.readFileSync(file, 'utf8'), 'utf8');
}

export async function issueToken(
  key: Uint8Array,
  p: Principal,
  ttlSeconds: number,
  audience = TOKEN_AUDIENCE,
): Promise<string> {
  return new SignJWT({ role: p.role, accounts: p.accounts })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(p.sub)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key);
}

/**
 * Verifies signature, issuer, audience and expiry; `exp` and `iat` are required and the lifetime is at most
 * MAX_TOKEN_SECONDS; every scope entry is an account id or '*'. Returns the principal or throws.
 */
export async function verifyToken(key: Uint8Array, token: string): Promise<Principal> {
  const { payload } = await jwtVerify(token, key, {
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    algorithms: ['HS256'],
    requiredClaims: ['exp', 'iat', 'sub'],
  });
  if (payload.exp! - payload.iat! > MAX_TOKEN_SECONDS) throw new Error('token lifetime too long');
  const role = payload.role as Principal['role'];
  const accounts = payload.accounts;
  if (
    !ROLES.includes(role) ||
    !Array.isArray(accounts) ||
    !accounts.every((a) => typeof a === 'string' && SCOPE_ENTRY.test(a)) ||
    typeof payload.sub !== 'string'
  ) {
    throw new Error('malformed claims');
  }
  return { sub: payload.sub, role, accounts: accounts as string[] };
}

/** The local runtime's bootstrap administrator credential (the CLI uses it by default). */
export async function writeBootstrapToken(dataDir: string): Promise<string> {
  const token = await issueToken(
    localSigningKey(dataDir),
    { sub: 'local-admin', role: 'admin', accounts: ['*'] },
    30 * 86_400,
  );
  const file = path.join(dataDir, 'auth', 'admin.token');
  fs.writeFileSync(file, token, { mode: 0o600 });
  return file;
}

/** A Cognito user pool whose ID tokens the API accepts: its issuer, its console client (the audience), its kind. */
export interface TrustedPool {
  kind: PoolKind;
  issuer: string;
  clientId: string;
}

/** The pools of this deployment, from the environment (on AWS Cognito's issuer; locally the runtime's endpoint). */
export function trustedPools(e: NodeJS.ProcessEnv = process.env): TrustedPool[] {
  const base = e.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER ?? `https://cognito-idp.${IRELAND}.amazonaws.com`;
  const pools: TrustedPool[] = [];
  for (const [kind, pool, client] of [
    ['customers', ENV.customersPool, ENV.customersClient],
    ['staff', ENV.staffPool, ENV.staffClient],
  ] as const)
    if (e[pool] && e[client])
      pools.push({ kind, issuer: `${base.replace(/\/$/, '')}/${e[pool]}`, clientId: e[client]! });
  return pools;
}

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const keySetOf = (issuer: string) => {
  let k = keySets.get(issuer);
  if (!k) keySets.set(issuer, (k = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`))));
  return k;
};

/**
 * The one verification path of the management API: a Cognito ID token of a trusted pool (RS256 by the pool's
 * published key, its issuer, its console client as audience, `token_use` id, not expired) mapped to a principal by
 * the pool's kind; or a Lethe machine token (the CLI's and automation's, HS256 with the token key). A token of one
 * pool is never read as the other's: the issuer picks the pool, and the audience must be that pool's client.
 */
export async function verifyBearer(
  token: string,
  machineKey: () => Promise<Uint8Array>,
  pools: TrustedPool[] = trustedPools(),
): Promise<Principal> {
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    throw new Error('malformed token');
  }
  if (iss === TOKEN_ISSUER) return verifyToken(await machineKey(), token);
  const pool = pools.find((p) => p.issuer === iss);
  if (!pool) throw new Error('untrusted issuer');
  const { payload } = await jwtVerify(token, keySetOf(pool.issuer), {
    issuer: pool.issuer,
    audience: pool.clientId,
    algorithms: ['RS256'],
    requiredClaims: ['exp', 'iat', 'sub'],
  });
  if (payload.token_use !== 'id') throw new Error('not an ID token');
  if (payload.exp! - payload.iat! > MAX_TOKEN_SECONDS) throw new Error('token lifetime too long');
  return principalFromClaims(pool.kind, payload);
}

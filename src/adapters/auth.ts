import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { MAX_TOKEN_SECONDS, type Principal, ROLES, SCOPE_ENTRY } from '#core/access.ts';
import { secrets } from './aws.ts';

export const TOKEN_ISSUER = 'lethe';
export const TOKEN_AUDIENCE = 'lethe-management';

/** The token signing key on AWS: a Secrets Manager secret (AUTH_SECRET_ARN), read once per container. */
export async function secretsManagerSigningKey(): Promise<Uint8Array> {
  const { sdk, client } = await secrets();
  const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: process.env.AUTH_SECRET_ARN }));
  return Buffer.from(out.SecretString!, 'utf8');
}

/** The token signing key locally: a file in the data folder (created on first use, mode 0600). */
export function localSigningKey(dataDir: string): Uint8Array {
  const file = path.join(dataDir, 'auth', 'signing.key');
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

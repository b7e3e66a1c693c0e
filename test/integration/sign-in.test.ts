import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKeyPair, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBearer } from '#adapters/auth.ts';
import type { Runtime } from '#local/runtime.ts';
import { totp } from '#local/totp.ts';
import { api, bootRuntime, outboxMails } from '../helpers/runtime.ts';

let rt: Runtime;
const STRONG = 'Correct-Horse-9-Battery';
const pools = () => rt.endpoints.userPools;
const poolId = (kind: 'Customers' | 'Staff') => Object.entries(pools()).find(([k]) => k.includes(kind))![1];
const clientId = (kind: 'Customers' | 'Staff') =>
  Object.entries(rt.endpoints.userPoolClients).find(([k]) => k.includes(kind))![1];
const issuer = (kind: 'Customers' | 'Staff') => `${rt.endpoints.cognito}/${poolId(kind)}`;

/** The newest mail to `to`, and the six-digit code or temporary password in it. */
function mailTo(to: string) {
  const mail = outboxMails(rt)
    .filter((m) => m.includes(`To: ${to}`))
    .at(-1);
  if (!mail) throw new Error(`no mail to ${to}`);
  return {
    mail,
    temp: /temporary password (\S+) \(/.exec(mail)?.[1],
    code: /code to set a new Lethe password is (\d{6})/.exec(mail)?.[1],
  };
}

const post = (route: string, body: unknown) => api(rt, 'POST', route, body, 'none');

async function signInFirstTime(email: string, staff = false) {
  const temp = mailTo(email).temp!;
  const first = await post('/v1/session', { email, password: temp, staff });
  expect(first.status).toBe(200);
  expect(first.body.challenge).toBe('NEW_PASSWORD_REQUIRED');
  return post('/v1/session/challenge', {
    email,
    challenge: 'NEW_PASSWORD_REQUIRED',
    session: first.body.session,
    newPassword: STRONG,
    staff,
  });
}

let account: { accountId: string };
let other: { accountId: string };
let adminTokens: { idToken: string; refreshToken: string };

beforeAll(async () => {
  rt = await bootRuntime();
  const created = await api(rt, 'POST', '/v1/accounts', {
    name: 'Signin Shop',
    creatorEmail: 'creator@signin.test',
    adminEmail: 'boss@signin.test',
  });
  expect(created.status).toBe(201);
  account = created.body;
  other = (
    await api(rt, 'POST', '/v1/accounts', { name: 'Other', creatorEmail: 'c@other.test', adminEmail: 'a@other.test' })
  ).body;
});
afterAll(async () => rt?.stop());

describe('sign-in with the local Cognito user pools (issue 21)', () => {
  it('creating an account invites its administrative contact: a temporary password, by e-mail', () => {
    const { mail, temp } = mailTo('boss@signin.test');
    expect(mail).toContain('Subject: Your Lethe console invitation');
    expect(temp).toMatch(/^\S{12,}$/);
  });

  it('the first sign-in asks for a new password, which must meet the policy; then the account is readable', async () => {
    const temp = mailTo('boss@signin.test').temp!;
    const first = await post('/v1/session', { email: 'boss@signin.test', password: temp });
    const weak = await post('/v1/session/challenge', {
      email: 'boss@signin.test',
      challenge: 'NEW_PASSWORD_REQUIRED',
      session: first.body.session,
      newPassword: 'short',
    });
    expect(weak.status).toBe(400);
    expect(weak.body.field).toBe('newPassword');
    const done = await signInFirstTime('boss@signin.test');
    expect(done.status).toBe(200);
    adminTokens = done.body.tokens;
    expect(done.headers.get('cache-control')).toBe('no-store');
    expect((await api(rt, 'GET', `/v1/accounts/${account.accountId}`, undefined, adminTokens.idToken)).status).toBe(
      200,
    );
    // another account is not in this person's scope
    expect((await api(rt, 'GET', `/v1/accounts/${other.accountId}`, undefined, adminTokens.idToken)).status).toBe(403);
  });

  it('a wrong password and an unknown address get the same 401, and both are audited without the address', async () => {
    const wrong = await post('/v1/session', { email: 'boss@signin.test', password: 'Not-The-Password-1' });
    const unknown = await post('/v1/session', { email: 'nobody@signin.test', password: 'Not-The-Password-1' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.message).toBe(unknown.body.message);
    const rows = (await import('../helpers/runtime.ts')).scanAll(rt, 'Audit');
    const sessions = (await rows).filter((r) => String(r.operation).startsWith('session:'));
    expect(sessions.filter((r) => r.outcome === 'denied').length).toBeGreaterThanOrEqual(2);
    expect(sessions.some((r) => r.outcome === 'ok')).toBe(true);
    const text = JSON.stringify(sessions);
    expect(text).not.toContain('signin.test');
    expect(text).not.toContain('Not-The-Password-1');
  });

  it("an account's administrator invites a teammate, who may not invite in turn", async () => {
    const invited = await api(
      rt,
      'POST',
      `/v1/accounts/${account.accountId}/people`,
      { email: 'mate@signin.test' },
      adminTokens.idToken,
    );
    expect(invited.status, JSON.stringify(invited.body)).toBe(201);
    expect(invited.body.outcome).toBe('invited');
    const mate = (await signInFirstTime('mate@signin.test')).body.tokens;
    expect((await api(rt, 'GET', `/v1/accounts/${account.accountId}`, undefined, mate.idToken)).status).toBe(200);
    const again = await api(
      rt,
      'POST',
      `/v1/accounts/${account.accountId}/people`,
      { email: 'x@signin.test' },
      mate.idToken,
    );
    expect(again.status).toBe(403);
    // nor into an account that is not theirs, even as an administrator of another
    const outside = await api(
      rt,
      'POST',
      `/v1/accounts/${other.accountId}/people`,
      { email: 'x@signin.test' },
      adminTokens.idToken,
    );
    expect(outside.status).toBe(403);
  });

  it('refresh gives a new ID token until sign-out revokes it', async () => {
    const refreshed = await post('/v1/session/refresh', { refreshToken: adminTokens.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.tokens.idToken).toBeTruthy();
    expect((await post('/v1/session/sign-out', { refreshToken: adminTokens.refreshToken })).status).toBe(200);
    expect((await post('/v1/session/refresh', { refreshToken: adminTokens.refreshToken })).status).toBe(401);
  });

  it('a forgotten password: a code by e-mail sets a new one', async () => {
    expect((await post('/v1/session/forgot-password', { email: 'boss@signin.test' })).status).toBe(202);
    const code = mailTo('boss@signin.test').code!;
    expect(
      (
        await post('/v1/session/reset-password', {
          email: 'boss@signin.test',
          code: '000000',
          newPassword: 'Another-Good-Pass-7',
        })
      ).status,
    ).toBe(400);
    const reset = await post('/v1/session/reset-password', {
      email: 'boss@signin.test',
      code,
      newPassword: 'Another-Good-Pass-7',
    });
    expect(reset.status).toBe(200);
    const signed = await post('/v1/session', { email: 'boss@signin.test', password: 'Another-Good-Pass-7' });
    expect(signed.body.tokens.idToken).toBeTruthy();
    adminTokens = signed.body.tokens;
  });
});

describe('staff: TOTP MFA is required (issue 21)', () => {
  it('without MFA set up there is no token; with it, the staff role over every account', async () => {
    expect((await api(rt, 'POST', '/v1/staff', { email: 'helper@lethe.test', role: 'support' })).status).toBe(201);
    const afterPassword = await signInFirstTime('helper@lethe.test', true);
    // the password alone gives no token: the authenticator must be set up first
    expect(afterPassword.body.tokens).toBeUndefined();
    expect(afterPassword.body.challenge).toBe('MFA_SETUP');
    const { secret, session } = afterPassword.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const bad = await post('/v1/session/challenge', {
      email: 'helper@lethe.test',
      challenge: 'MFA_SETUP',
      session,
      code: '000000',
      staff: true,
    });
    expect(bad.status).toBe(401);
    // a fresh sign-in (the failed set-up spent the session), then the real code
    const again = await post('/v1/session', { email: 'helper@lethe.test', password: STRONG, staff: true });
    expect(again.body.challenge).toBe('MFA_SETUP');
    const ok = await post('/v1/session/challenge', {
      email: 'helper@lethe.test',
      challenge: 'MFA_SETUP',
      session: again.body.session,
      code: totp(again.body.secret),
      staff: true,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const staffToken = ok.body.tokens.idToken;
    expect((await api(rt, 'GET', `/v1/accounts/${other.accountId}`, undefined, staffToken)).status).toBe(200);
    // support may not create accounts (administrators only)
    expect(
      (
        await api(
          rt,
          'POST',
          '/v1/accounts',
          { name: 'x', creatorEmail: 'a@b.test', adminEmail: 'a@b.test' },
          staffToken,
        )
      ).status,
    ).toBe(403);
    // next time: the password, then a code every time
    const next = await post('/v1/session', { email: 'helper@lethe.test', password: STRONG, staff: true });
    expect(next.body.challenge).toBe('SOFTWARE_TOKEN_MFA');
  });

  it('a staff password is not a customer password: the pools are separate', async () => {
    expect((await post('/v1/session', { email: 'helper@lethe.test', password: STRONG })).status).toBe(401);
  });
});

describe('token verification: one path, each pool its own (issue 21)', () => {
  const machineKey = async () => new Uint8Array(32);
  const trust = () => [
    { kind: 'customers' as const, issuer: issuer('Customers'), clientId: clientId('Customers') },
    { kind: 'staff' as const, issuer: issuer('Staff'), clientId: clientId('Staff') },
  ];

  it('accepts a customer ID token of the customers pool', async () => {
    const p = await verifyBearer(adminTokens.idToken, machineKey, trust());
    expect(p).toMatchObject({ role: 'customer', accounts: [account.accountId], adminOf: [account.accountId] });
  });

  it("refuses a pool's token for another client, and one re-labelled with the other pool's issuer", async () => {
    const swapped = [{ ...trust()[0]!, clientId: clientId('Staff') }];
    await expect(verifyBearer(adminTokens.idToken, machineKey, swapped)).rejects.toThrow();
    const [h, b, sig] = adminTokens.idToken.split('.');
    const claims = JSON.parse(Buffer.from(b!, 'base64url').toString());
    const relabelled = [
      h,
      Buffer.from(JSON.stringify({ ...claims, iss: issuer('Staff'), aud: clientId('Staff') })).toString('base64url'),
      sig,
    ].join('.');
    await expect(verifyBearer(relabelled, machineKey, trust())).rejects.toThrow();
    expect((await api(rt, 'GET', `/v1/accounts/${account.accountId}`, undefined, relabelled)).status).toBe(401);
  });

  it('refuses a forged token (another key) and an expired one (the pool’s own key)', async () => {
    const claims = { token_use: 'id', 'custom:accounts': account.accountId, sub: 'x' };
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(issuer('Customers'))
      .setAudience(clientId('Customers'))
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign((await generateKeyPair('RS256')).privateKey);
    await expect(verifyBearer(forged, machineKey, trust())).rejects.toThrow();
    expect((await api(rt, 'GET', `/v1/accounts/${account.accountId}`, undefined, forged)).status).toBe(401);
    const stored = JSON.parse(fs.readFileSync(path.join(rt.endpoints.dataDir, 'cognito', 'user-pools.json'), 'utf8'));
    const poolKey = await importJWK(stored.keys[poolId('Customers')], 'RS256');
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT(claims)
      .setProtectedHeader({
        alg: 'RS256',
        kid: JSON.parse(Buffer.from(adminTokens.idToken.split('.')[0]!, 'base64url').toString()).kid,
      })
      .setIssuer(issuer('Customers'))
      .setAudience(clientId('Customers'))
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(poolKey);
    await expect(verifyBearer(expired, machineKey, trust())).rejects.toThrow(/exp/);
    expect((await api(rt, 'GET', `/v1/accounts/${account.accountId}`, undefined, expired)).status).toBe(401);
  });
});

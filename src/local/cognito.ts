import { createHash, randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import type { SendMail } from '#adapters/mailer.ts';
import type { LocalCredentials } from './credentials.ts';
import { clientIdOf, poolIdOf, type Resolver } from './intrinsics.ts';
import { serveJsonProtocol } from './json-protocol.ts';
import { type CloudModel, resources } from './template.ts';
import { newTotpSecret, totpMatches } from './totp.ts';

/**
 * A local Amazon Cognito user pool service, built from the template's pools, app clients and groups, spoken to
 * with the real `@aws-sdk/client-cognito-identity-provider` (AWS JSON 1.1). It is faithful where Lethe's promises
 * depend on it: the password policy, a temporary password that expires and must be replaced (checked before the
 * challenge), MFA required where the pool says so (TOTP set up at first sign-in, then asked every time), tokens
 * signed per pool (RS256, a key of this data folder, JWKS at `<endpoint>/<poolId>/.well-known/jwks.json`) with
 * Cognito's claims, refresh tokens that expire and can be revoked, forgotten-password codes by e-mail, and the
 * same answer for an unknown user and a wrong password. Administrative calls must be SigV4-signed; the sign-in
 * calls are public, as on AWS. Invitation and reset e-mails go to the outbox. Passwords are stored as scrypt
 * hashes in `<data>/cognito/` (0600), never in clear.
 *
 * Not emulated: SRP and custom auth flows, SMS, hosted UI/OAuth endpoints, device tracking, adaptive
 * authentication (threat protection), and the gradual lockout's exact timing (here: 5 failures lock for 15 min).
 */

export interface PoolDef {
  logicalId: string;
  id: string;
  mfa: 'OFF' | 'ON' | 'OPTIONAL';
  policy: {
    MinimumLength?: number;
    RequireLowercase?: boolean;
    RequireUppercase?: boolean;
    RequireNumbers?: boolean;
    RequireSymbols?: boolean;
    TemporaryPasswordValidityDays?: number;
  };
  customAttributes: string[];
  invite: { subject: string; message: string };
  reset: { subject: string; message: string };
}
export interface ClientDef {
  logicalId: string;
  id: string;
  poolId: string;
  flows: string[];
  idTokenSeconds: number;
  refreshSeconds: number;
}

interface Person {
  username: string;
  email: string;
  attributes: Record<string, string>;
  status: 'FORCE_CHANGE_PASSWORD' | 'CONFIRMED';
  hash: string;
  salt: string;
  /** epoch ms after which a temporary password no longer works */
  tempUntil?: number;
  groups: string[];
  totpSecret?: string;
  totpPending?: string;
  failures: number;
  lockedUntil?: number;
  reset?: { hash: string; until: number };
  created: number;
}

interface Stored {
  keys: Record<string, JWK>;
  people: Record<string, Person[]>;
  refresh: Record<string, { poolId: string; clientId: string; username: string; until: number }>;
}

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

const TARGET = 'AWSCognitoIdentityProviderService';
/** the calls a signed-in person or a sign-in form makes: no AWS credentials, as on AWS */
const PUBLIC = [
  'InitiateAuth',
  'RespondToAuthChallenge',
  'AssociateSoftwareToken',
  'VerifySoftwareToken',
  'ForgotPassword',
  'ConfirmForgotPassword',
  'GlobalSignOut',
  'RevokeToken',
  'GetUser',
];

const fault = (type: string, message: string, status = 400) => Object.assign(new Error(message), { type, status });
const notAuthorized = () => fault('NotAuthorizedException', 'Incorrect username or password.');

function seconds(value: unknown, unit: unknown, fallback: number): number {
  if (typeof value !== 'number') return fallback;
  const per = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 }[String(unit ?? 'hours')] ?? 3600;
  return value * per;
}

/** The template's pools, app clients and groups. */
export function userPoolsOf(model: CloudModel, resolver: Resolver) {
  const pools: PoolDef[] = resources(model, 'AWS::Cognito::UserPool').map(({ id, resource }) => {
    const p = resource.Properties ?? {};
    const invite = p.AdminCreateUserConfig?.InviteMessageTemplate ?? {};
    return {
      logicalId: id,
      id: poolIdOf(id),
      mfa: p.MfaConfiguration ?? 'OFF',
      policy: p.Policies?.PasswordPolicy ?? {},
      customAttributes: (p.Schema ?? []).map((a: { Name: string }) => `custom:${a.Name}`),
      invite: {
        subject: invite.EmailSubject ?? 'Your temporary password',
        message: invite.EmailMessage ?? 'Your username is {username} and temporary password is {####}.',
      },
      reset: {
        subject: p.VerificationMessageTemplate?.EmailSubject ?? 'Your verification code',
        message: p.VerificationMessageTemplate?.EmailMessage ?? 'Your verification code is {####}.',
      },
    };
  });
  const clients: ClientDef[] = resources(model, 'AWS::Cognito::UserPoolClient').map(({ id, stack, resource }) => {
    const p = resource.Properties ?? {};
    const units = p.TokenValidityUnits ?? {};
    return {
      logicalId: id,
      id: clientIdOf(id),
      poolId: String(resolver.resolve(stack, p.UserPoolId)),
      flows: p.ExplicitAuthFlows ?? [],
      idTokenSeconds: seconds(p.IdTokenValidity, units.IdToken, 3600),
      refreshSeconds: seconds(p.RefreshTokenValidity, units.RefreshToken ?? 'days', 30 * 86_400),
    };
  });
  const groups = resources(model, 'AWS::Cognito::UserPoolGroup').map(({ stack, resource }) => ({
    poolId: String(resolver.resolve(stack, resource.Properties!.UserPoolId)),
    name: String(resource.Properties!.GroupName),
  }));
  return { pools, clients, groups };
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const hashPassword = (password: string, salt: string) => scryptSync(password, salt, 32).toString('hex');
function passwordIs(p: Person, password: string): boolean {
  const a = Buffer.from(hashPassword(password, p.salt), 'hex');
  return timingSafeEqual(a, Buffer.from(p.hash, 'hex'));
}

export class LocalUserPools {
  private readonly file: string;
  private state: Stored;
  private readonly sessions = new Map<
    string,
    { poolId: string; clientId: string; username: string; challenge: string; until: number }
  >();
  private readonly signers = new Map<string, SigningKey>();

  constructor(
    readonly defs: ReturnType<typeof userPoolsOf>,
    private readonly options: {
      dataDir: string;
      credentials: LocalCredentials;
      sendMail: SendMail;
      /** the issuer's base: `<endpoint>/<poolId>` is the `iss` of every token */
      endpoint: () => string;
      nowMs?: () => number;
    },
  ) {
    this.file = path.join(options.dataDir, 'cognito', 'user-pools.json');
    this.state = fs.existsSync(this.file)
      ? (JSON.parse(fs.readFileSync(this.file, 'utf8')) as Stored)
      : { keys: {}, people: {}, refresh: {} };
  }

  private now = () => (this.options.nowMs ?? Date.now)();

  private save() {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  private pool(poolId: unknown): PoolDef {
    const p = this.defs.pools.find((x) => x.id === poolId);
    if (!p) throw fault('ResourceNotFoundException', `User pool ${String(poolId)} does not exist.`);
    return p;
  }

  private client(clientId: unknown): ClientDef {
    const c = this.defs.clients.find((x) => x.id === clientId);
    if (!c) throw fault('ResourceNotFoundException', 'User pool client does not exist.');
    return c;
  }

  private people(poolId: string): Person[] {
    return (this.state.people[poolId] ??= []);
  }

  private find(poolId: string, username: unknown): Person | undefined {
    const u = String(username ?? '').toLowerCase();
    return this.people(poolId).find((p) => p.username === u || p.email === u);
  }

  private person(poolId: string, username: unknown): Person {
    const p = this.find(poolId, username);
    if (!p) throw fault('UserNotFoundException', 'User does not exist.');
    return p;
  }

  private checkPolicy(pool: PoolDef, password: unknown): string {
    const pw = typeof password === 'string' ? password : '';
    const pol = pool.policy;
    const problems = [
      pw.length < (pol.MinimumLength ?? 8) && `at least ${pol.MinimumLength ?? 8} characters`,
      pol.RequireLowercase && !/[a-z]/.test(pw) && 'a lowercase letter',
      pol.RequireUppercase && !/[A-Z]/.test(pw) && 'an uppercase letter',
      pol.RequireNumbers && !/\d/.test(pw) && 'a number',
      pol.RequireSymbols && !/[^A-Za-z0-9]/.test(pw) && 'a symbol',
    ].filter(Boolean);
    if (problems.length)
      throw fault('InvalidPasswordException', `Password does not conform to policy: needs ${problems.join(', ')}`);
    return pw;
  }

  private setPassword(p: Person, password: string) {
    p.salt = randomBytes(16).toString('hex');
    p.hash = hashPassword(password, p.salt);
  }

  /** The pool's signing key (RS256), created on first use and kept in the data folder. */
  private async signer(poolId: string): Promise<{ key: SigningKey; kid: string }> {
    const kid = sha(poolId).slice(0, 16);
    let key = this.signers.get(poolId);
    if (!key) {
      let jwk = this.state.keys[poolId];
      if (!jwk) {
        const pair = await generateKeyPair('RS256', { extractable: true });
        jwk = await exportJWK(pair.privateKey);
        this.state.keys[poolId] = jwk;
        this.save();
      }
      key = await importJWK(jwk, 'RS256');
      this.signers.set(poolId, key);
    }
    return { key, kid };
  }

  /** The pool's public keys, as `/<poolId>/.well-known/jwks.json` serves them. */
  async jwks(poolId: string): Promise<{ keys: JWK[] }> {
    this.pool(poolId);
    await this.signer(poolId);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = this.state.keys[poolId]!;
    return { keys: [{ ...pub, kid: sha(poolId).slice(0, 16), alg: 'RS256', use: 'sig' }] };
  }

  private async tokens(client: ClientDef, p: Person, withRefresh: boolean) {
    const { key, kid } = await this.signer(client.poolId);
    const iss = `${this.options.endpoint()}/${client.poolId}`;
    const now = Math.floor(this.now() / 1000);
    const jti = randomUUID();
    const common = { sub: p.username, 'cognito:groups': p.groups.length ? p.groups : undefined, auth_time: now };
    const idToken = await new SignJWT({
      ...common,
      token_use: 'id',
      email: p.email,
      email_verified: true,
      'cognito:username': p.username,
      ...Object.fromEntries(Object.entries(p.attributes).filter(([k]) => k.startsWith('custom:'))),
      origin_jti: jti,
    })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(iss)
      .setAudience(client.id)
      .setIssuedAt(now)
      .setExpirationTime(now + client.idTokenSeconds)
      .setJti(randomUUID())
      .sign(key);
    const accessToken = await new SignJWT({
      ...common,
      token_use: 'access',
      client_id: client.id,
      scope: 'aws.cognito.signin.user.admin',
      username: p.username,
      origin_jti: jti,
    })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(iss)
      .setIssuedAt(now)
      .setExpirationTime(now + client.idTokenSeconds)
      .setJti(randomUUID())
      .sign(key);
    let refreshToken: string | undefined;
    if (withRefresh) {
      refreshToken = randomBytes(48).toString('base64url');
      this.state.refresh[sha(refreshToken)] = {
        poolId: client.poolId,
        clientId: client.id,
        username: p.username,
        until: this.now() + client.refreshSeconds * 1000,
      };
      this.save();
    }
    return {
      AuthenticationResult: {
        IdToken: idToken,
        AccessToken: accessToken,
        RefreshToken: refreshToken,
        ExpiresIn: client.idTokenSeconds,
        TokenType: 'Bearer',
      },
    };
  }

  private challenge(client: ClientDef, p: Person, name: string, parameters: Record<string, string> = {}) {
    const session = randomBytes(32).toString('base64url');
    this.sessions.set(session, {
      poolId: client.poolId,
      clientId: client.id,
      username: p.username,
      challenge: name,
      until: this.now() + 3 * 60_000,
    });
    return {
      ChallengeName: name,
      Session: session,
      ChallengeParameters: { USER_ID_FOR_SRP: p.username, ...parameters },
    };
  }

  private session(token: unknown, challenge?: string) {
    const s = typeof token === 'string' ? this.sessions.get(token) : undefined;
    if (!s || s.until < this.now() || (challenge && s.challenge !== challenge))
      throw fault('NotAuthorizedException', 'Invalid session for the user, session is expired.');
    return s;
  }

  /** After the password (and a new one if it was temporary): MFA if the pool or the person has it, else tokens. */
  private afterPassword(client: ClientDef, p: Person) {
    const pool = this.pool(client.poolId);
    if (pool.mfa === 'ON' && !p.totpSecret)
      return this.challenge(client, p, 'MFA_SETUP', { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' });
    if (pool.mfa !== 'OFF' && p.totpSecret) return this.challenge(client, p, 'SOFTWARE_TOKEN_MFA');
    return this.tokens(client, p, true);
  }

  private fromAccessToken(token: unknown): { poolId: string; person: Person } {
    if (typeof token !== 'string') throw fault('NotAuthorizedException', 'Invalid Access Token');
    const [, body] = token.split('.');
    let claims: { iss?: string; username?: string; exp?: number; token_use?: string };
    try {
      claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8'));
    } catch {
      throw fault('NotAuthorizedException', 'Invalid Access Token');
    }
    // signature checked as Cognito does: by the pool's own key
    const poolId = String(claims.iss ?? '')
      .split('/')
      .pop()!;
    const pool = this.defs.pools.find((x) => x.id === poolId);
    if (!pool || claims.token_use !== 'access' || (claims.exp ?? 0) * 1000 < this.now())
      throw fault('NotAuthorizedException', 'Invalid Access Token');
    return { poolId, person: this.person(poolId, claims.username) };
  }

  private operations: Record<string, (input: any) => unknown> = {
    AdminCreateUser: async (i) => {
      const pool = this.pool(i.UserPoolId);
      const attrs = Object.fromEntries(
        ((i.UserAttributes ?? []) as Array<{ Name: string; Value: string }>).map((a) => [a.Name, a.Value]),
      );
      const email = String(attrs.email ?? i.Username ?? '').toLowerCase();
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw fault('InvalidParameterException', 'Invalid email address format.');
      if (this.find(pool.id, email))
        throw fault('UsernameExistsException', 'An account with the given email already exists.');
      for (const k of Object.keys(attrs))
        if (k.startsWith('custom:') && !pool.customAttributes.includes(k))
          throw fault('InvalidParameterException', `Attribute does not exist in the schema: ${k}`);
      const temp = i.TemporaryPassword ?? `${randomBytes(9).toString('base64url')}a1A!`;
      this.checkPolicy(pool, temp);
      const p: Person = {
        username: randomUUID(),
        email,
        attributes: { ...attrs, email },
        status: 'FORCE_CHANGE_PASSWORD',
        hash: '',
        salt: '',
        tempUntil: this.now() + (pool.policy.TemporaryPasswordValidityDays ?? 7) * 86_400_000,
        groups: [],
        failures: 0,
        created: this.now(),
      };
      this.setPassword(p, temp);
      this.people(pool.id).push(p);
      this.save();
      if (i.MessageAction !== 'SUPPRESS')
        await this.options.sendMail({
          to: email,
          subject: pool.invite.subject,
          text: pool.invite.message.replaceAll('{username}', email).replaceAll('{####}', temp),
        });
      return { User: this.describe(p) };
    },
    AdminAddUserToGroup: (i) => {
      const pool = this.pool(i.UserPoolId);
      if (!this.defs.groups.some((g) => g.poolId === pool.id && g.name === i.GroupName))
        throw fault('ResourceNotFoundException', 'Group not found.');
      const p = this.person(pool.id, i.Username);
      if (!p.groups.includes(i.GroupName)) p.groups.push(i.GroupName);
      this.save();
      return {};
    },
    AdminListGroupsForUser: (i) => ({
      Groups: this.person(this.pool(i.UserPoolId).id, i.Username).groups.map((g) => ({
        GroupName: g,
        UserPoolId: i.UserPoolId,
      })),
    }),
    AdminUpdateUserAttributes: (i) => {
      const pool = this.pool(i.UserPoolId);
      const p = this.person(pool.id, i.Username);
      for (const a of (i.UserAttributes ?? []) as Array<{ Name: string; Value: string }>) {
        if (a.Name.startsWith('custom:') && !pool.customAttributes.includes(a.Name))
          throw fault('InvalidParameterException', `Attribute does not exist in the schema: ${a.Name}`);
        if (a.Name !== 'email') p.attributes[a.Name] = a.Value;
      }
      this.save();
      return {};
    },
    AdminGetUser: (i) => {
      const d = this.describe(this.person(this.pool(i.UserPoolId).id, i.Username));
      return { ...d, UserAttributes: d.Attributes, Attributes: undefined };
    },
    AdminDeleteUser: (i) => {
      const pool = this.pool(i.UserPoolId);
      const p = this.person(pool.id, i.Username);
      this.state.people[pool.id] = this.people(pool.id).filter((x) => x !== p);
      this.revokeAll(p.username);
      this.save();
      return {};
    },
    ListUsers: (i) => {
      const pool = this.pool(i.UserPoolId);
      const m = /^email\s*=\s*"([^"]*)"$/.exec(String(i.Filter ?? ''));
      if (i.Filter && !m) throw fault('InvalidParameterException', 'Only email = "…" filters are emulated.');
      const list = this.people(pool.id).filter((p) => !m || p.email === m[1]!.toLowerCase());
      return { Users: list.slice(0, i.Limit ?? 60).map((p) => this.describe(p)) };
    },
    InitiateAuth: async (i) => {
      const client = this.client(i.ClientId);
      const params = (i.AuthParameters ?? {}) as Record<string, string>;
      if (i.AuthFlow === 'REFRESH_TOKEN_AUTH' || i.AuthFlow === 'REFRESH_TOKEN') {
        const r = this.state.refresh[sha(params.REFRESH_TOKEN ?? '')];
        if (!r || r.clientId !== client.id || r.until < this.now())
          throw fault('NotAuthorizedException', 'Invalid Refresh Token');
        return this.tokens(client, this.person(r.poolId, r.username), false);
      }
      if (i.AuthFlow !== 'USER_PASSWORD_AUTH' || !client.flows.includes('ALLOW_USER_PASSWORD_AUTH'))
        throw fault('InvalidParameterException', `Auth flow not enabled for this client: ${String(i.AuthFlow)}`);
      const p = this.find(client.poolId, params.USERNAME);
      // an unknown user and a wrong password get the same answer (PreventUserExistenceErrors)
      if (!p) throw notAuthorized();
      if (p.lockedUntil && p.lockedUntil > this.now())
        throw fault('NotAuthorizedException', 'Password attempts exceeded');
      if (!passwordIs(p, params.PASSWORD ?? '')) {
        p.failures++;
        if (p.failures >= 5) p.lockedUntil = this.now() + 15 * 60_000;
        this.save();
        throw notAuthorized();
      }
      p.failures = 0;
      if (p.status === 'FORCE_CHANGE_PASSWORD') {
        if ((p.tempUntil ?? 0) < this.now())
          throw fault(
            'NotAuthorizedException',
            'Temporary password has expired and must be reset by an administrator.',
          );
        this.save();
        return this.challenge(client, p, 'NEW_PASSWORD_REQUIRED', {
          requiredAttributes: '[]',
          userAttributes: JSON.stringify({ email: p.email }),
        });
      }
      this.save();
      return this.afterPassword(client, p);
    },
    RespondToAuthChallenge: async (i) => {
      const client = this.client(i.ClientId);
      const s = this.session(i.Session, i.ChallengeName);
      if (s.clientId !== client.id) throw fault('NotAuthorizedException', 'Invalid session for the user.');
      const p = this.person(s.poolId, s.username);
      const r = (i.ChallengeResponses ?? {}) as Record<string, string>;
      this.sessions.delete(i.Session);
      if (i.ChallengeName === 'NEW_PASSWORD_REQUIRED') {
        const pw = this.checkPolicy(this.pool(s.poolId), r.NEW_PASSWORD);
        this.setPassword(p, pw);
        p.status = 'CONFIRMED';
        p.tempUntil = undefined;
        this.save();
        return this.afterPassword(client, p);
      }
      if (i.ChallengeName === 'SOFTWARE_TOKEN_MFA') {
        if (!p.totpSecret || !totpMatches(p.totpSecret, r.SOFTWARE_TOKEN_MFA_CODE ?? '', this.now()))
          throw fault('CodeMismatchException', 'Invalid code received for user');
        return this.tokens(client, p, true);
      }
      if (i.ChallengeName === 'MFA_SETUP') {
        // after VerifySoftwareToken, with the session it returned
        if (!p.totpSecret) throw fault('NotAuthorizedException', 'Software token MFA is not set up.');
        return this.tokens(client, p, true);
      }
      throw fault('InvalidParameterException', `Challenge not emulated: ${String(i.ChallengeName)}`);
    },
    AssociateSoftwareToken: (i) => {
      const p = i.AccessToken
        ? this.fromAccessToken(i.AccessToken).person
        : (() => {
            const s = this.session(i.Session, 'MFA_SETUP');
            return this.person(s.poolId, s.username);
          })();
      p.totpPending = newTotpSecret();
      this.save();
      return { SecretCode: p.totpPending, Session: i.Session };
    },
    VerifySoftwareToken: (i) => {
      const s = i.Session ? this.session(i.Session, 'MFA_SETUP') : undefined;
      const p = s ? this.person(s.poolId, s.username) : this.fromAccessToken(i.AccessToken).person;
      if (!p.totpPending || !totpMatches(p.totpPending, String(i.UserCode ?? ''), this.now()))
        throw fault('EnableSoftwareTokenMFAException', 'Code mismatch');
      p.totpSecret = p.totpPending;
      p.totpPending = undefined;
      this.save();
      return { Status: 'SUCCESS', Session: i.Session };
    },
    ForgotPassword: async (i) => {
      const client = this.client(i.ClientId);
      const pool = this.pool(client.poolId);
      const p = this.find(pool.id, i.Username);
      // an unknown e-mail gets the same answer, and no mail
      if (p) {
        const code = String(100_000 + (randomBytes(4).readUInt32BE() % 900_000));
        p.reset = { hash: sha(code), until: this.now() + 3600_000 };
        this.save();
        await this.options.sendMail({
          to: p.email,
          subject: pool.reset.subject,
          text: pool.reset.message.replaceAll('{####}', code),
        });
      }
      return { CodeDeliveryDetails: { DeliveryMedium: 'EMAIL', AttributeName: 'email', Destination: 'e***' } };
    },
    ConfirmForgotPassword: (i) => {
      const client = this.client(i.ClientId);
      const p = this.find(client.poolId, i.Username);
      if (!p?.reset || p.reset.until < this.now() || p.reset.hash !== sha(String(i.ConfirmationCode ?? '')))
        throw fault('CodeMismatchException', 'Invalid verification code provided, please try again.');
      this.setPassword(p, this.checkPolicy(this.pool(client.poolId), i.Password));
      p.reset = undefined;
      p.status = 'CONFIRMED';
      p.tempUntil = undefined;
      p.failures = 0;
      p.lockedUntil = undefined;
      this.save();
      return {};
    },
    GlobalSignOut: (i) => {
      this.revokeAll(this.fromAccessToken(i.AccessToken).person.username);
      this.save();
      return {};
    },
    RevokeToken: (i) => {
      const h = sha(String(i.Token ?? ''));
      const r = this.state.refresh[h];
      if (r && r.clientId !== i.ClientId) throw fault('UnauthorizedException', 'The client is not the token’s.');
      delete this.state.refresh[h];
      this.save();
      return {};
    },
    GetUser: (i) => {
      const { person } = this.fromAccessToken(i.AccessToken);
      return { Username: person.username, UserAttributes: this.describe(person).Attributes };
    },
  };

  private revokeAll(username: string) {
    for (const [h, r] of Object.entries(this.state.refresh)) if (r.username === username) delete this.state.refresh[h];
  }

  private describe(p: Person) {
    return {
      Username: p.username,
      Attributes: Object.entries({ ...p.attributes, sub: p.username }).map(([Name, Value]) => ({ Name, Value })),
      UserStatus: p.status,
      Enabled: true,
      UserCreateDate: p.created / 1000,
      MFAOptions: undefined,
      UserMFASettingList: p.totpSecret ? ['SOFTWARE_TOKEN_MFA'] : undefined,
    };
  }

  /** logical id → id of every pool and app client (endpoints.json) */
  ids() {
    return {
      userPools: Object.fromEntries(this.defs.pools.map((p) => [p.logicalId, p.id])),
      userPoolClients: Object.fromEntries(this.defs.clients.map((c) => [c.logicalId, c.id])),
    };
  }

  /** Serves the JSON protocol and each pool's JWKS; false when the request is not for this service. */
  async handleHttp(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<boolean> {
    const jwks = /^\/([\w-]+_[A-Za-z0-9]+)\/\.well-known\/jwks\.json$/.exec(req.url ?? '');
    if (req.method === 'GET' && jwks) {
      try {
        const doc = await this.jwks(jwks[1]!);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(doc));
      } catch {
        res.writeHead(404).end();
      }
      return true;
    }
    return serveJsonProtocol(req, body, res, {
      prefix: TARGET,
      credentials: this.options.credentials,
      operations: this.operations,
      unsigned: PUBLIC,
      unknown: { type: 'InvalidAction', message: 'Operation not emulated:' },
      defaultFault: 'InternalErrorException',
      contentType: 'application/x-amz-json-1.1',
    });
  }
}

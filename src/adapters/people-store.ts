import { createHmac } from 'node:crypto';
import {
  ACCOUNTS_ATTRIBUTE,
  accountList,
  ADMIN_OF_ATTRIBUTE,
  type Challenge,
  type Directory,
  joinAccounts,
  type PoolKind,
  type SignInStep,
  WrongCredentials,
} from '#core/people.ts';
import { ENV } from '#core/schema.ts';
import { badRequest, RetryableError } from '#core/errors.ts';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { cognito, dynamo, env } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { platform } from './platform.ts';

/**
 * Cognito user pools through the real SDK client (locally: the runtime's user pools, src/local/cognito.ts). The
 * pools and their console clients are named by the environment (lib/constructs/people.ts).
 */
const poolOf = (kind: PoolKind) => env(kind === 'staff' ? ENV.staffPool : ENV.customersPool);
const clientOf = (kind: PoolKind) => env(kind === 'staff' ? ENV.staffClient : ENV.customersClient);

/** The Cognito faults that mean "these credentials (or this code, session, token) are not good". */
const WRONG = new Set([
  'NotAuthorizedException',
  'UserNotFoundException',
  'CodeMismatchException',
  'ExpiredCodeException',
  'EnableSoftwareTokenMFAException',
  'PasswordResetRequiredException',
]);

/** Cognito busy or failing: the caller may try again shortly (503 with Retry-After). */
const BUSY = new Set(['TooManyRequestsException', 'LimitExceededException', 'InternalErrorException']);

async function call<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const name = (e as Error).name;
    if (WRONG.has(name)) throw new WrongCredentials(name);
    if (name === 'InvalidPasswordException') throw badRequest('newPassword', (e as Error).message);
    if (BUSY.has(name) || (e as { $fault?: string }).$fault === 'server')
      throw new RetryableError('the sign-in service is busy: try again in a moment');
    throw e;
  }
}

interface AuthOut {
  ChallengeName?: string;
  Session?: string;
  AuthenticationResult?: { IdToken?: string; RefreshToken?: string; ExpiresIn?: number };
}

async function step(kind: PoolKind, out: AuthOut): Promise<SignInStep> {
  if (out.AuthenticationResult?.IdToken)
    return {
      tokens: {
        idToken: out.AuthenticationResult.IdToken,
        refreshToken: out.AuthenticationResult.RefreshToken,
        expiresIn: out.AuthenticationResult.ExpiresIn ?? 3600,
      },
    };
  const challenge = out.ChallengeName as Challenge;
  if (!['NEW_PASSWORD_REQUIRED', 'MFA_SETUP', 'SOFTWARE_TOKEN_MFA'].includes(challenge))
    throw new Error(`unexpected sign-in challenge ${String(out.ChallengeName)}`);
  if (challenge === 'MFA_SETUP') {
    // an authenticator app is set up first: the secret to enter in it, then a code from it answers the challenge
    const { sdk, client } = await cognito();
    const a = await call(() => client.send(new sdk.AssociateSoftwareTokenCommand({ Session: out.Session })));
    return { challenge, session: a.Session ?? out.Session!, secret: a.SecretCode };
  }
  return { challenge, session: out.Session! };
}

/** A person's attributes in a pool, or undefined when the pool has nobody of that address. */
async function attributesOf(
  UserPoolId: string,
  email: string,
): Promise<Record<string, string | undefined> | undefined> {
  const { sdk, client } = await cognito();
  try {
    const u = await client.send(new sdk.AdminGetUserCommand({ UserPoolId, Username: email }));
    return Object.fromEntries((u.UserAttributes ?? []).map((x) => [x.Name!, x.Value]));
  } catch (e) {
    if ((e as Error).name === 'UserNotFoundException') return undefined;
    throw e;
  }
}

export const cognitoDirectory: Directory = {
  async signIn(kind, email, password) {
    const { sdk, client } = await cognito();
    const out = await call(() =>
      client.send(
        new sdk.InitiateAuthCommand({
          ClientId: clientOf(kind),
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      ),
    );
    return step(kind, out);
  },
  async answer(kind, email, challenge, session, a) {
    const { sdk, client } = await cognito();
    let s = session;
    if (challenge === 'MFA_SETUP') {
      if (!a.code) throw badRequest('code', 'is required');
      const v = await call(() => client.send(new sdk.VerifySoftwareTokenCommand({ Session: s, UserCode: a.code })));
      s = v.Session ?? s;
    }
    const responses: Record<string, string> = { USERNAME: email };
    if (challenge === 'NEW_PASSWORD_REQUIRED') responses.NEW_PASSWORD = a.newPassword ?? '';
    if (challenge === 'SOFTWARE_TOKEN_MFA') responses.SOFTWARE_TOKEN_MFA_CODE = a.code ?? '';
    const out = await call(() =>
      client.send(
        new sdk.RespondToAuthChallengeCommand({
          ClientId: clientOf(kind),
          ChallengeName: challenge,
          Session: s,
          ChallengeResponses: responses,
        }),
      ),
    );
    return step(kind, out);
  },
  async refresh(kind, refreshToken) {
    const { sdk, client } = await cognito();
    const out = await call(() =>
      client.send(
        new sdk.InitiateAuthCommand({
          ClientId: clientOf(kind),
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: refreshToken },
        }),
      ),
    );
    return step(kind, out);
  },
  async signOut(kind, refreshToken) {
    const { sdk, client } = await cognito();
    await call(() => client.send(new sdk.RevokeTokenCommand({ ClientId: clientOf(kind), Token: refreshToken })));
  },
  async forgot(kind, email) {
    const { sdk, client } = await cognito();
    try {
      await client.send(new sdk.ForgotPasswordCommand({ ClientId: clientOf(kind), Username: email }));
    } catch (e) {
      // the same answer for an unknown address
      if (!WRONG.has((e as Error).name)) throw e;
    }
  },
  async reset(kind, email, code, newPassword) {
    const { sdk, client } = await cognito();
    await call(() =>
      client.send(
        new sdk.ConfirmForgotPasswordCommand({
          ClientId: clientOf(kind),
          Username: email,
          ConfirmationCode: code,
          Password: newPassword,
        }),
      ),
    );
  },
  async invite(kind, email, grant) {
    const { sdk, client } = await cognito();
    const UserPoolId = poolOf(kind);
    const attrs = (have: Record<string, string | undefined>) =>
      kind === 'customers'
        ? [
            {
              Name: `custom:${ACCOUNTS_ATTRIBUTE}`,
              Value: joinAccounts([...accountList(have.accounts), ...(grant.accounts ?? [])]),
            },
            {
              Name: `custom:${ADMIN_OF_ATTRIBUTE}`,
              Value: joinAccounts([...accountList(have.adminOf), ...(grant.adminOf ?? [])]),
            },
          ]
        : [];
    const a = await attributesOf(UserPoolId, email);
    const existing = a && { accounts: a[`custom:${ACCOUNTS_ATTRIBUTE}`], adminOf: a[`custom:${ADMIN_OF_ATTRIBUTE}`] };
    if (existing) {
      if (kind === 'customers')
        await client.send(
          new sdk.AdminUpdateUserAttributesCommand({ UserPoolId, Username: email, UserAttributes: attrs(existing) }),
        );
    } else {
      // Cognito mails the invitation with a temporary password (locally: the outbox)
      await client.send(
        new sdk.AdminCreateUserCommand({
          UserPoolId,
          Username: email,
          UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }, ...attrs({})],
          DesiredDeliveryMediums: ['EMAIL'],
        }),
      );
    }
    if (grant.group)
      await client.send(new sdk.AdminAddUserToGroupCommand({ UserPoolId, Username: email, GroupName: grant.group }));
    // the account remembers its people, so that its termination takes them out of the pool (revokeAccount)
    for (const accountId of grant.accounts ?? [])
      await retryable('accounts', () =>
        dynamo().send(
          new PutItemCommand({
            TableName: env(ENV.accountsTable),
            Item: marshall({ pk: `ACCOUNT#${accountId}`, sk: `PERSON#${email.trim().toLowerCase()}` }),
          }),
        ),
      );
    return existing ? 'granted' : 'invited';
  },
};

/** A keyed hash of an e-mail address for the audit trail (the audit pepper, its own secret): never the address. */
export async function emailPseudonym(email: string): Promise<string> {
  return createHmac('sha256', await platform().auditPepper())
    .update(email.trim().toLowerCase())
    .digest('base64url')
    .slice(0, 22);
}

/**
 * A terminated account leaves its people: the account goes from their attributes, and a person left with no
 * account is deleted from the customers' pool (the retention auditor, when it deletes the account's records).
 */
export async function revokeAccount(email: string, accountId: string): Promise<void> {
  const { sdk, client } = await cognito();
  const UserPoolId = poolOf('customers');
  const a = await attributesOf(UserPoolId, email);
  if (!a) return;
  const accounts = accountList(a[`custom:${ACCOUNTS_ATTRIBUTE}`]).filter((x) => x !== accountId);
  if (!accounts.length) {
    await client.send(new sdk.AdminDeleteUserCommand({ UserPoolId, Username: email }));
    return;
  }
  await client.send(
    new sdk.AdminUpdateUserAttributesCommand({
      UserPoolId,
      Username: email,
      UserAttributes: [
        { Name: `custom:${ACCOUNTS_ATTRIBUTE}`, Value: joinAccounts(accounts) },
        {
          Name: `custom:${ADMIN_OF_ATTRIBUTE}`,
          Value: joinAccounts(accountList(a[`custom:${ADMIN_OF_ATTRIBUTE}`]).filter((x) => x !== accountId)),
        },
      ],
    }),
  );
}

import * as z from '../zod.ts';
import {
  ChallengeSchema,
  ForgotSchema,
  RefreshSchema,
  ResetSchema,
  session,
  type SessionPorts,
  SignInSchema,
} from '../people.ts';
import type { RouteRequest } from './route.ts';

/**
 * The console's sign-in (issue 21): public routes (no token yet) of the `session` function, which alone handles
 * passwords. Each calls Cognito with the real SDK and audits the step (a keyed hash of the address, never the
 * password). API Gateway's WAF rate rule and Cognito's own lockout stand between them and guessing.
 */
export interface PublicRoute {
  method: 'POST';
  path: string;
  summary: string;
  status: 200 | 202;
  request: () => z.ZodMiniType;
  response: () => z.ZodMiniType;
  errors: number[];
  run(p: SessionPorts, req: RouteRequest): Promise<unknown>;
}

const step = () =>
  z.union([
    z.object({
      tokens: z.object({ idToken: z.string(), refreshToken: z.optional(z.string()), expiresIn: z.number() }),
    }),
    z.object({
      challenge: z.enum(['NEW_PASSWORD_REQUIRED', 'MFA_SETUP', 'SOFTWARE_TOKEN_MFA']),
      session: z.string(),
      secret: z.optional(z.string()),
    }),
  ]);

export const SESSION_ROUTES: PublicRoute[] = [
  {
    method: 'POST',
    path: '/v1/session',
    summary:
      'sign in with e-mail and password (`staff: true` for the staff pool): an ID token and a refresh token, or the next challenge (a new password, MFA set-up, an MFA code)',
    status: 200,
    request: () => SignInSchema,
    response: step,
    errors: [400, 401],
    run: (p, r) => session.signIn(p, r.body()),
  },
  {
    method: 'POST',
    path: '/v1/session/challenge',
    summary: 'answer a sign-in challenge: the new password for a temporary one, or a TOTP code',
    status: 200,
    request: () => ChallengeSchema,
    response: step,
    errors: [400, 401],
    run: (p, r) => session.answer(p, r.body()),
  },
  {
    method: 'POST',
    path: '/v1/session/refresh',
    summary: 'a new ID token from the refresh token (valid for the session’s bounded time)',
    status: 200,
    request: () => RefreshSchema,
    response: step,
    errors: [400, 401],
    run: (p, r) => session.refresh(p, r.body()),
  },
  {
    method: 'POST',
    path: '/v1/session/sign-out',
    summary: 'sign out: the refresh token is revoked',
    status: 200,
    request: () => RefreshSchema,
    response: () => z.object({ signedOut: z.boolean() }),
    errors: [400],
    run: (p, r) => session.signOut(p, r.body()),
  },
  {
    method: 'POST',
    path: '/v1/session/forgot-password',
    summary: 'e-mail a code to set a new password (the same answer whether or not the address is known)',
    status: 202,
    request: () => ForgotSchema,
    response: () => z.object({ sent: z.string() }),
    errors: [400],
    run: (p, r) => session.forgot(p, r.body()),
  },
  {
    method: 'POST',
    path: '/v1/session/reset-password',
    summary: 'set a new password with the e-mailed code',
    status: 200,
    request: () => ResetSchema,
    response: () => z.object({ reset: z.boolean() }),
    errors: [400],
    run: (p, r) => session.reset(p, r.body()),
  },
];

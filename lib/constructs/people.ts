import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { IRELAND } from '#core/region.ts';
import { ACCOUNTS_ATTRIBUTE, ADMIN_OF_ATTRIBUTE, STAFF_GROUPS } from '#core/people.ts';
import { MAIL_DOMAIN, MAIL_FROM } from './lethe-function.ts';

/** How long a signed-in console session lasts without signing in again (the refresh token's validity). */
export const SESSION_HOURS = 12;

/**
 * The people who sign in (issue 21), in two Amazon Cognito user pools in eu-west-1:
 * - customers' people: e-mail sign-in, a strong password, optional TOTP; the accounts a person may see (and those
 *   they administer) are custom attributes that only Lethe's functions can write;
 * - staff (support, engineers, IT admins): TOTP MFA required; the role is the group.
 * Neither pool lets anyone sign up: people are invited (Cognito mails a temporary password). Each pool has one app
 * client for the console's sign-in (USER_PASSWORD_AUTH through Lethe's session function, which audits it), ID
 * tokens of one hour and refresh tokens of SESSION_HOURS, revocable.
 */
export class People extends Construct {
  readonly customers: cognito.UserPool;
  readonly customersClient: cognito.UserPoolClient;
  readonly staff: cognito.UserPool;
  readonly staffClient: cognito.UserPoolClient;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const pool = (name: string, mfa: cognito.Mfa, invite: string, extra: Partial<cognito.UserPoolProps> = {}) => {
      const p = new cognito.UserPool(this, name, {
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        signInCaseSensitive: false,
        autoVerify: { email: true },
        mfa,
        mfaSecondFactor: { otp: true, sms: false },
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
          tempPasswordValidity: Duration.days(7),
        },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        // threat protection: compromised credentials and risky sign-ins blocked (cdk-nag AwsSolutions-COG3/COG8)
        featurePlan: cognito.FeaturePlan.PLUS,
        standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
        email: cognito.UserPoolEmail.withSES({
          fromEmail: MAIL_FROM,
          fromName: 'Lethe',
          sesRegion: IRELAND,
          sesVerifiedDomain: MAIL_DOMAIN,
        }),
        userInvitation: {
          emailSubject: 'Your Lethe console invitation',
          emailBody: `${invite} Sign in with the e-mail address {username} and the temporary password {####} (valid 7 days); you will be asked for a new password.`,
        },
        userVerification: {
          emailSubject: 'Your Lethe password reset code',
          emailBody: 'Your code to set a new Lethe password is {####}. It is valid for one hour.',
        },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
        ...extra,
      });
      const client = p.addClient('Console', {
        authFlows: { userPassword: true },
        generateSecret: false,
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
        idTokenValidity: Duration.hours(1),
        accessTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.hours(SESSION_HOURS),
        // the custom attributes are Lethe's to set: a person cannot give themselves an account
        readAttributes: new cognito.ClientAttributes()
          .withStandardAttributes({ email: true, emailVerified: true })
          .withCustomAttributes(...(extra.customAttributes ? Object.keys(extra.customAttributes) : [])),
        writeAttributes: new cognito.ClientAttributes(),
      });
      return { p, client };
    };
    const customers = pool(
      'Customers',
      cognito.Mfa.OPTIONAL,
      'You have been invited to the Lethe console of your organisation.',
      {
        customAttributes: {
          [ACCOUNTS_ATTRIBUTE]: new cognito.StringAttribute({ minLen: 0, maxLen: 2048, mutable: true }),
          [ADMIN_OF_ATTRIBUTE]: new cognito.StringAttribute({ minLen: 0, maxLen: 2048, mutable: true }),
        },
      },
    );
    Validations.of(customers.p).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        "Customers' people may turn TOTP on (optional MFA); requiring it is the customer's choice, not the processor's. Staff, who can see every account, have MFA required.",
    });
    const staff = pool('Staff', cognito.Mfa.REQUIRED, 'You have been given staff access to Lethe.');
    for (const group of STAFF_GROUPS)
      new cognito.CfnUserPoolGroup(this, `Staff-${group}`, {
        userPoolId: staff.p.userPoolId,
        groupName: group,
        description: `Lethe role: ${group}`,
      });
    this.customers = customers.p;
    this.customersClient = customers.client;
    this.staff = staff.p;
    this.staffClient = staff.client;
  }
}

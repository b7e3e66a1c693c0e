// Only what Lethe calls (see s3.ts).
export { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';

// Only what Lethe calls (see s3.ts).
export { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

// Only what Lethe calls (see s3.ts).
export { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';

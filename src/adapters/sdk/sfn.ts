// Only what Lethe calls (see s3.ts).
export { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

// Only what Lethe calls (see s3.ts).
export { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';

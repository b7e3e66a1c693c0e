// Only what Lethe calls (see s3.ts).
export { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';

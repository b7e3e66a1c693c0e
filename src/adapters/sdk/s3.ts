// Only what Lethe calls: a dynamic import of this module (aws.ts) stays tree-shaken and unevaluated until first use.
export { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { randomBytes } from 'node:crypto';
import { ENV } from '#core/schema.ts';
import type { UsersPorts } from '#core/users.ts';
import { env, s3 } from './aws.ts';

/** Where user exports go in the backup bucket: expired by its own lifecycle rule within a day (lib/stateful-stack). */
export const USER_EXPORTS_PREFIX = 'user-exports/';
/** S3 multipart parts are at least 5 MiB (but the last): a CSV is uploaded in parts of 8 MiB as it is written. */
const PART_BYTES = 8 * 1024 * 1024;

/**
 * A user's CSV export, streamed to the backup bucket (KMS, eu-west-1) and served by a presigned link: no size cap,
 * and the object's key names the account and a random id, never the user.
 */
export const exportStore: Pick<UsersPorts, 'storeExport' | 'exportLink'> = {
  async storeExport(accountId, chunks) {
    const { sdk, client } = await s3();
    const Bucket = env(ENV.backupBucket);
    const Key = `${USER_EXPORTS_PREFIX}${accountId}/${randomBytes(12).toString('hex')}.csv`;
    const ContentType = 'text/csv; charset=utf-8';
    let buffer: Buffer[] = [];
    let buffered = 0;
    let bytes = 0;
    let uploadId: string | undefined;
    const parts: Array<{ ETag?: string; PartNumber: number }> = [];
    const flushPart = async () => {
      uploadId ??= (await client.send(new sdk.CreateMultipartUploadCommand({ Bucket, Key, ContentType }))).UploadId;
      const PartNumber = parts.length + 1;
      const out = await client.send(
        new sdk.UploadPartCommand({ Bucket, Key, UploadId: uploadId, PartNumber, Body: Buffer.concat(buffer) }),
      );
      parts.push({ ETag: out.ETag, PartNumber });
      buffer = [];
      buffered = 0;
    };
    try {
      for await (const chunk of chunks) {
        const b = Buffer.from(chunk, 'utf8');
        buffer.push(b);
        buffered += b.length;
        bytes += b.length;
        if (buffered >= PART_BYTES) await flushPart();
      }
      if (!uploadId) {
        await client.send(new sdk.PutObjectCommand({ Bucket, Key, ContentType, Body: Buffer.concat(buffer) }));
        return { key: Key, bytes };
      }
      if (buffered) await flushPart();
      await client.send(
        new sdk.CompleteMultipartUploadCommand({ Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
      );
      return { key: Key, bytes };
    } catch (e) {
      if (uploadId)
        await client.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch(() => {});
      throw e;
    }
  },
  async exportLink(key, filename, seconds) {
    const { sdk, client } = await s3();
    const command = new sdk.GetObjectCommand({
      Bucket: env(ENV.backupBucket),
      Key: key,
      ResponseContentDisposition: `attachment; filename="${filename}"`,
      ResponseContentType: 'text/csv; charset=utf-8',
    });
    return sdk.getSignedUrl(client, command, { expiresIn: seconds });
  },
};

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SecretPurpose } from '#core/accounts.ts';
import { ENV } from '#core/schema.ts';
import { env, kms } from './aws.ts';

/**
 * Encrypts small secrets (agent keys, account keys) with the project key: KMS on AWS, a local key file
 * locally. The purpose is bound to the ciphertext (KMS encryption context; AES-GCM additional data locally):
 * decrypting for another purpose fails in both places.
 */
export interface SecretBox {
  encrypt(plain: Buffer, purpose: SecretPurpose): Promise<string>;
  decrypt(cipher: string, purpose: SecretPurpose): Promise<Buffer>;
}

export const kmsBox: SecretBox = {
  async encrypt(plain, purpose) {
    const { sdk, client } = await kms();
    const out = await client.send(
      new sdk.EncryptCommand({ KeyId: env(ENV.keyId), Plaintext: plain, EncryptionContext: { purpose } }),
    );
    return `kms:${Buffer.from(out.CiphertextBlob!).toString('base64')}`;
  },
  async decrypt(cipher, purpose) {
    const { sdk, client } = await kms();
    const out = await client.send(
      new sdk.DecryptCommand({
        CiphertextBlob: Buffer.from(cipher.slice(4), 'base64'),
        EncryptionContext: { purpose },
      }),
    );
    return Buffer.from(out.Plaintext!);
  },
};

/** AES-256-GCM under a key kept in <data dir>/kms/project.key (created on first use, mode 0600). */
export function localBox(dataDir: string): SecretBox {
  const file = path.join(dataDir, 'kms', 'project.key');
  const key = () => {
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      try {
        fs.writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    return fs.readFileSync(file);
  };
  return {
    async encrypt(plain, purpose) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key(), iv);
      c.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([c.update(plain), c.final()]);
      return `local:${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')}`;
    },
    async decrypt(cipher, purpose) {
      const raw = Buffer.from(cipher.slice(6), 'base64');
      const d = createDecipheriv('aes-256-gcm', key(), raw.subarray(0, 12));
      d.setAAD(Buffer.from(purpose));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]);
    },
  };
}

/** A box that remembers decrypted secrets by ciphertext: one KMS call per secret per container. */
export function cachingBox(
  box: SecretBox,
): SecretBox & { decryptCached(cipher: string, purpose: SecretPurpose): Promise<Buffer> } {
  const cache = new Map<string, Promise<Buffer>>();
  return {
    ...box,
    decryptCached(cipher, purpose) {
      let p = cache.get(cipher);
      if (!p) {
        p = box.decrypt(cipher, purpose);
        p.catch(() => cache.delete(cipher));
        cache.set(cipher, p);
      }
      return p;
    },
  };
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError, StoreErrorCode } from './errors.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_BYTES = 4;
const FORMAT_VERSION = 1;

/**
 * AES-256-GCM sealing of secret values. Each sealed blob is
 * `version(1) | keyId(4) | iv(12) | tag(16) | ciphertext`, authenticated together with an
 * associated-data string (the object's identity) so a blob cannot be moved to another row.
 */
export class SecretCipher {
  private readonly keyId: Buffer;

  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES)
      throw new StoreError(StoreErrorCode.KeyFile, `an encryption key must be ${KEY_BYTES} bytes`);
    this.keyId = createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES);
  }

  /**
   * Loads the key from `path` (base64 of 32 random bytes), creating it with mode 0600 when
   * absent. A key file readable by group or others is refused.
   */
  static fromKeyFile(path: string): SecretCipher {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${randomBytes(KEY_BYTES).toString('base64')}\n`);
      closeSync(fd);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(
          StoreErrorCode.KeyFile,
          `cannot create encryption key file ${path}: ${(error as Error).message}`,
        );
      }
    }
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new StoreError(
        StoreErrorCode.KeyFile,
        `encryption key file ${path} has mode ${mode.toString(8)}; it must be 0600 (chmod 600 ${path})`,
      );
    }
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== KEY_BYTES) {
      throw new StoreError(
        StoreErrorCode.KeyFile,
        `encryption key file ${path} must hold ${KEY_BYTES} base64-encoded bytes`,
      );
    }
    return new SecretCipher(key);
  }

  seal(plaintext: Buffer, associatedData: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT_VERSION]), this.keyId, iv, cipher.getAuthTag(), ciphertext]);
  }

  open(sealed: Buffer, associatedData: string): Buffer {
    const header = 1 + KEY_ID_BYTES;
    if (sealed[0] !== FORMAT_VERSION || sealed.length < header + IV_BYTES + TAG_BYTES) {
      throw new StoreError(StoreErrorCode.Decryption, 'sealed value has an unknown format');
    }
    if (!sealed.subarray(1, header).equals(this.keyId)) {
      throw new StoreError(StoreErrorCode.Decryption, 'sealed value was encrypted with another key');
    }
    const iv = sealed.subarray(header, header + IV_BYTES);
    const tag = sealed.subarray(header + IV_BYTES, header + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(header + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new StoreError(StoreErrorCode.Decryption, 'sealed value failed authentication');
    }
  }
}

/**
 * The encryption layer on its own: the stream decrypts only whole, unaltered and in order, and
 * only the owner's secret key opens a backup's data key.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { generateBackupKeyPair, keyFingerprint, newDataKey, openDataKey, parseBackupKey, sealDataKey, WrongBackupKeyError } from "../../shop/backup/keys.js";
import { CHUNK_BYTES, decryptStream, encryptStream } from "../../shop/backup/secretstream.js";

async function encrypt(key: Uint8Array, data: Buffer): Promise<Buffer> {
  return buffer(Readable.from([data.subarray(0, 1000), data.subarray(1000)]).pipe(encryptStream(key)));
}
const decrypt = (key: Uint8Array, data: Buffer) => buffer(Readable.from([data]).pipe(decryptStream(key)));

describe("backup encryption", () => {
  const data = randomBytes(CHUNK_BYTES * 2 + 12_345);

  it("round-trips data of several chunks", async () => {
    const key = await newDataKey();
    const sealed = await encrypt(key, data);
    expect(sealed.length).toBe(24 + 3 * (4 + 17) + data.length);
    expect((await decrypt(key, sealed)).equals(data)).toBe(true);
  });

  it("refuses a truncated stream, an altered byte, a dropped chunk and another key", async () => {
    const key = await newDataKey();
    const sealed = await encrypt(key, data);
    const record = 4 + CHUNK_BYTES + 17;
    await expect(decrypt(key, sealed.subarray(0, 24 + 2 * record))).rejects.toThrow(/truncated/);
    const altered = Buffer.from(sealed);
    altered[24 + 100] = altered[24 + 100]! ^ 1;
    await expect(decrypt(key, altered)).rejects.toThrow(/failed to authenticate/);
    await expect(decrypt(key, Buffer.concat([sealed.subarray(0, 24), sealed.subarray(24 + record)]))).rejects.toThrow(/failed to authenticate/);
    await expect(decrypt(await newDataKey(), sealed)).rejects.toThrow(/failed to authenticate/);
  });

  it("seals the data key so that only the owner's secret key opens it", async () => {
    const owner = await generateBackupKeyPair();
    const stranger = await generateBackupKeyPair();
    const dataKey = await newDataKey();
    const publicKey = parseBackupKey(owner.publicKey, "public key");
    const sealed = await sealDataKey(dataKey, publicKey);
    const fingerprint = keyFingerprint(publicKey);
    expect(Buffer.from(await openDataKey(sealed, parseBackupKey(`BACKUP_SECRET_KEY=${owner.secretKey}\n`, "key"), fingerprint)).equals(Buffer.from(dataKey))).toBe(true);
    await expect(openDataKey(sealed, parseBackupKey(stranger.secretKey, "key"), fingerprint)).rejects.toThrow(WrongBackupKeyError);
    expect(() => parseBackupKey("not a key", "the secret key")).toThrow(/the secret key is not a 32-byte base64 key/);
  });
});

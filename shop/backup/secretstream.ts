/**
 * Streaming encryption of a backup with libsodium's secretstream (XChaCha20-Poly1305), in
 * chunks, so a dump of any size passes through in constant memory.
 *
 * Why secretstream and not one secretbox: every chunk is authenticated and ordered, and the last
 * one carries the FINAL tag, so a reordered, altered or truncated backup fails to decrypt
 * instead of restoring half a database.
 *
 * Wire format: the 24-byte stream header, then records `length (u32 BE) ‖ ciphertext`, each
 * ciphertext being one plaintext chunk + 17 bytes; the last record is tagged FINAL.
 */
import { Transform, type TransformCallback } from "node:stream";
import sodium, { type StateAddress } from "libsodium-wrappers";

/** Plaintext bytes per encrypted chunk. */
export const CHUNK_BYTES = 256 * 1024;
const MAX_RECORD = CHUNK_BYTES + 17;

/** Thrown when the ciphertext fails to authenticate, is truncated or has data after the end. */
export class BackupDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupDecryptError";
  }
}

function record(cipher: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + cipher.length);
  out.writeUInt32BE(cipher.length, 0);
  out.set(cipher, 4);
  return out;
}

/** A Transform that encrypts everything written to it with `key`. Await `sodium.ready` first (newDataKey does). */
export function encryptStream(key: Uint8Array): Transform {
  const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  let started = false;
  const push = (t: Transform, chunk: Uint8Array, tag: number) => {
    if (!started) {
      t.push(Buffer.from(header));
      started = true;
    }
    t.push(record(sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, null, tag)));
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= CHUNK_BYTES) {
        let all = Buffer.concat(pending, pendingBytes);
        while (all.length >= CHUNK_BYTES) {
          push(this, all.subarray(0, CHUNK_BYTES), sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
          all = all.subarray(CHUNK_BYTES);
        }
        pending.length = 0;
        pending.push(Buffer.from(all));
        pendingBytes = all.length;
      }
      done();
    },
    flush(done: TransformCallback) {
      push(this, Buffer.concat(pending, pendingBytes), sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL);
      done();
    },
  });
}

/** A Transform that decrypts encryptStream's output, failing on any damage or truncation. */
export function decryptStream(key: Uint8Array): Transform {
  let state: StateAddress | undefined;
  let buffered: Buffer = Buffer.alloc(0);
  let finished = false;
  const headerBytes = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      try {
        if (!state) {
          if (buffered.length < headerBytes) return done();
          state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(buffered.subarray(0, headerBytes), key);
          buffered = buffered.subarray(headerBytes);
        }
        while (buffered.length >= 4) {
          const len = buffered.readUInt32BE(0);
          if (len < 17 || len > MAX_RECORD) throw new BackupDecryptError("the backup is damaged: an encrypted chunk has an impossible length");
          if (buffered.length < 4 + len) break;
          if (finished) throw new BackupDecryptError("the backup is damaged: data follows its final chunk");
          const res = sodium.crypto_secretstream_xchacha20poly1305_pull(state, buffered.subarray(4, 4 + len), null);
          if (!res) throw new BackupDecryptError("the backup is damaged or altered: a chunk failed to authenticate");
          buffered = buffered.subarray(4 + len);
          if (res.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL) finished = true;
          if (res.message.length > 0) this.push(Buffer.from(res.message));
        }
        done();
      } catch (err) {
        done(err instanceof BackupDecryptError ? err : new BackupDecryptError(`the backup does not decrypt: ${(err as Error).message}`));
      }
    },
    flush(done: TransformCallback) {
      if (!finished || buffered.length > 0) return done(new BackupDecryptError("the backup is truncated: its final chunk is missing (a part is incomplete)"));
      done();
    },
  });
}

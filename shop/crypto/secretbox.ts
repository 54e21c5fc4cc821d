/**
 * Symmetric encryption for anything the shop keeps at rest (transfer screenshots now, VPS
 * root passwords later): libsodium's secretbox, XSalsa20-Poly1305 with a 32-byte key
 * (`config.encryptionKey`).
 *
 * Why secretbox: it is authenticated (a flipped bit or a wrong key fails to open instead of
 * yielding garbage), and its 24-byte nonce is large enough to pick at random for every
 * message, so no nonce counter has to be stored or synchronised between processes.
 *
 * Sealed format: `nonce (24 bytes) ‖ ciphertext+MAC (plaintext length + 16 bytes)`.
 */
import sodium from "libsodium-wrappers";

/** Bytes of a secretbox key (32). */
export const SECRETBOX_KEY_BYTES = 32;
/** Bytes of the random nonce at the start of every sealed message (24). */
export const SECRETBOX_NONCE_BYTES = 24;
/** Bytes of the Poly1305 tag added to every message (16). */
export const SECRETBOX_MAC_BYTES = 16;

let initialised = false;

/**
 * Waits until libsodium's WebAssembly is loaded. Await it once at start-up (or before the
 * first `seal`/`open`): the primitives are synchronous and cannot wait by themselves.
 */
export async function ready(): Promise<void> {
  if (initialised) return;
  await sodium.ready;
  initialised = true;
}

/**
 * Thrown when a sealed message cannot be opened. The message never contains key material or
 * plaintext, so it is safe to log.
 */
export class SecretboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretboxError";
  }
}

function assertReady(): void {
  if (!initialised) throw new SecretboxError("libsodium is not initialised: `await ready()` from shop/crypto/secretbox.js first");
}

function assertKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== SECRETBOX_KEY_BYTES) {
    throw new SecretboxError(`secretbox key must be ${SECRETBOX_KEY_BYTES} bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`);
  }
}

/**
 * Encrypts and authenticates `plaintext` under `key` with a fresh random nonce, returning
 * `nonce ‖ ciphertext`. Sealing the same plaintext twice gives different outputs, so equal
 * files cannot be recognised on disk.
 */
export function seal(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  assertReady();
  assertKey(key);
  const nonce = sodium.randombytes_buf(SECRETBOX_NONCE_BYTES);
  const box = sodium.crypto_secretbox_easy(plaintext, nonce, key);
  const sealed = new Uint8Array(nonce.length + box.length);
  sealed.set(nonce, 0);
  sealed.set(box, nonce.length);
  return sealed;
}

/**
 * Decrypts the output of `seal`. Throws `SecretboxError` when the data was modified,
 * truncated, or sealed under another key — never returns unauthenticated bytes.
 */
export function open(key: Uint8Array, sealed: Uint8Array): Uint8Array {
  assertReady();
  assertKey(key);
  if (!(sealed instanceof Uint8Array) || sealed.length < SECRETBOX_NONCE_BYTES + SECRETBOX_MAC_BYTES) {
    throw new SecretboxError("sealed data is too short to be a secretbox message (truncated or not sealed)");
  }
  const nonce = sealed.subarray(0, SECRETBOX_NONCE_BYTES);
  const box = sealed.subarray(SECRETBOX_NONCE_BYTES);
  try {
    return sodium.crypto_secretbox_open_easy(box, nonce, key);
  } catch {
    throw new SecretboxError("cannot open sealed data: it was tampered with or sealed under a different key");
  }
}

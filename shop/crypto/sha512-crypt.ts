/**
 * SHA-512 crypt (`$6$`, Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"), the hash
 * format of /etc/shadow that cloud-init's `chpasswd` takes with `type: hash`. We send a root
 * password to a cloud as this hash, never as text: cloud-init user_data stays readable from
 * inside the server (the metadata service, the provider's user-data endpoint) for its life.
 *
 * Our own ~60 lines on node:crypto's SHA-512 instead of an npm package: the candidates
 * (unixcrypt, sha512crypt-node, sha512-crypt-ts) are single-maintainer packages that would
 * see every root password we make, while the algorithm is short, fixed since 2007 and
 * checked in the tests against the specification's vectors and `openssl passwd -6`.
 */
import { createHash, randomInt, timingSafeEqual } from "node:crypto";

/** crypt(3)'s base-64 alphabet (also the salt alphabet). */
const ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const DEFAULT_ROUNDS = 5000;
const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;
const MAX_SALT = 16;

/** The specification's byte order of the final digest, three bytes to four characters. */
const ORDER: ReadonlyArray<readonly [number, number, number]> = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

/** A random 16-character salt from the crypt alphabet. */
export function newCryptSalt(): string {
  let salt = "";
  for (let i = 0; i < MAX_SALT; i++) salt += ALPHABET[randomInt(ALPHABET.length)];
  return salt;
}

const sha512 = (...parts: Buffer[]) => {
  const h = createHash("sha512");
  for (const p of parts) h.update(p);
  return h.digest();
};

/** `n` bytes taken by repeating `block` (the spec's P and S sequences). */
const repeatTo = (block: Buffer, n: number) => Buffer.concat(Array.from({ length: Math.ceil(n / block.length) || 0 }, () => block)).subarray(0, n);

/**
 * `$6$<salt>$<hash>` (or `$6$rounds=<n>$<salt>$<hash>` when `rounds` is given). The salt is cut
 * to 16 characters at the first `$`; rounds are clamped to 1000–999999999, as the spec says.
 */
export function sha512Crypt(password: string, salt: string, rounds?: number): string {
  const p = Buffer.from(password, "utf8");
  const saltText = salt.split("$")[0]!.slice(0, MAX_SALT);
  const s = Buffer.from(saltText, "utf8");
  const n = rounds === undefined ? DEFAULT_ROUNDS : Math.min(MAX_ROUNDS, Math.max(MIN_ROUNDS, Math.floor(rounds)));

  const b = sha512(p, s, p);
  const a = createHash("sha512").update(p).update(s);
  let left = p.length;
  for (; left > 64; left -= 64) a.update(b);
  a.update(b.subarray(0, left));
  for (let i = p.length; i > 0; i >>= 1) a.update(i & 1 ? b : p);
  let c = a.digest();

  const pSeq = repeatTo(sha512(...Array.from({ length: p.length }, () => p)), p.length);
  const sSeq = repeatTo(sha512(...Array.from({ length: 16 + c[0]! }, () => s)), s.length);
  for (let r = 0; r < n; r++) {
    const h = createHash("sha512");
    h.update(r & 1 ? pSeq : c);
    if (r % 3) h.update(sSeq);
    if (r % 7) h.update(pSeq);
    h.update(r & 1 ? c : pSeq);
    c = h.digest();
  }

  let out = "";
  const put = (w: number, chars: number) => {
    for (let i = 0; i < chars; i++, w >>= 6) out += ALPHABET[w & 0x3f];
  };
  for (const [x, y, z] of ORDER) put((c[x]! << 16) | (c[y]! << 8) | c[z]!, 4);
  put(c[63]!, 2);
  return `$6$${rounds === undefined ? "" : `rounds=${n}$`}${saltText}$${out}`;
}

/** Whether `password` matches a `$6$` hash (constant-time comparison). */
export function verifySha512Crypt(password: string, hash: string): boolean {
  const m = /^\$6\$(?:rounds=(\d{1,9})\$)?([^$]{0,16})\$[./0-9A-Za-z]{86}$/.exec(hash);
  if (!m) return false;
  const again = Buffer.from(sha512Crypt(password, m[2]!, m[1] === undefined ? undefined : Number(m[1])));
  const given = Buffer.from(hash);
  return again.length === given.length && timingSafeEqual(again, given);
}

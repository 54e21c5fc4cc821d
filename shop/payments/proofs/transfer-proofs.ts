/**
 * Manual bank-transfer screenshots ("bukti transfer"): cleaned, encrypted, stored, shown to a
 * seller, and purged after the retention period (`config.screenshotRetentionDays`).
 *
 * Why this shape:
 * - A screenshot shows a customer's name, bank and account number: it is sealed with
 *   secretbox (`config.encryptionKey`) in memory, and only ciphertext ever reaches the disk —
 *   a stolen backup or a misconfigured static file server leaks nothing readable.
 * - Files are written to a temporary name and renamed, so a crash never leaves a half-written
 *   blob under a name the database points at; mode 0600 in a 0700 directory; random names
 *   reveal neither order nor customer.
 * - The database row holds the path relative to `dataDir`, so the data directory can move.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open as openFile, readFile, rename, unlink } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { PrismaClient } from "../../../db/client.js";
import { open, ready, seal } from "../../crypto/secretbox.js";
import { acceptsProof } from "../manual-transfer.js";

export { prepareProofImage, type PreparedProofImage, type ProofImageOptions, type ProofImageRejection } from "./proof-image.js";

/** Sub-directory of `dataDir` holding the sealed screenshots. */
export const PROOFS_DIR = "proofs";
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);

/** Why a stored proof cannot be read. */
export class ProofUnavailableError extends Error {
  constructor(
    readonly reason: "not_found" | "purged" | "file_missing",
    readonly proofId: number,
  ) {
    super(`transfer proof ${proofId} is unavailable: ${reason}`);
    this.name = "ProofUnavailableError";
  }
}

/** Why a screenshot was not stored for a payment. */
export class ProofNotAcceptedError extends Error {
  constructor(readonly reason: "already_pending" | "transfer_closed") {
    super(reason === "already_pending" ? "a screenshot of this transfer already waits for a seller" : "this transfer is no longer open");
    this.name = "ProofNotAcceptedError";
  }
}

/** The screenshot of this transfer still waiting for a seller, if any. */
export function pendingProofOf(prisma: PrismaClient, paymentId: number) {
  return prisma.transferProof.findFirst({ where: { paymentId, status: "PENDING" }, select: { id: true, createdAt: true } });
}

/** Absolute path of a stored proof, refusing anything that would leave `dataDir/proofs`. */
function proofPath(dataDir: string, storagePath: string): string {
  const root = resolve(dataDir, PROOFS_DIR);
  const full = resolve(dataDir, storagePath);
  const rel = relative(root, full);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel) || rel.includes(sep)) throw new Error(`invalid proof storage path "${storagePath}"`);
  return full;
}

/** Writes `bytes` to `path` atomically with mode 0600 (temp file + fsync + rename). */
async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await openFile(tmp, "wx", 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/**
 * Seals a screenshot (the JPEG from `prepareProofImage`) and records it as a PENDING
 * TransferProof of the order. The plaintext stays in memory; the file holds
 * `nonce ‖ ciphertext`. If the row cannot be written the file is removed again. With a
 * `paymentId`, throws `ProofNotAcceptedError` when that transfer is no longer open or already
 * has a screenshot waiting for a seller.
 */
export async function storeProof(
  prisma: PrismaClient,
  input: { key: Uint8Array; dataDir: string; orderId: number; userId: number; paymentId?: number | null; image: Buffer },
): Promise<{ proofId: number; storagePath: string; sizeBytes: number }> {
  if (!input.image.subarray(0, 3).equals(JPEG_MAGIC) || input.image.includes("Exif\0\0")) {
    throw new TypeError("storeProof expects the metadata-free JPEG produced by prepareProofImage");
  }
  await ready();
  const sealed = seal(input.key, input.image);

  const dir = join(input.dataDir, PROOFS_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const name = `${randomBytes(16).toString("hex")}.bin`;
  const storagePath = `${PROOFS_DIR}/${name}`;
  const path = proofPath(input.dataDir, storagePath);
  await writeFileAtomic(path, sealed);

  try {
    const row = await prisma.$transaction(async (tx) => {
      if (input.paymentId) {
        // One screenshot per transfer waits for a seller; the lock makes that hold against a
        // second upload at the same moment, and against the order expiry ending the transfer
        // (manual-transfer.ts endOpenTransfers locks the same row).
        const [payment] = await tx.$queryRaw<Array<{ status: string; order_status: string; updated_at: Date }>>`
          SELECT p."status"::text AS "status", o."status"::text AS "order_status", p."updated_at"
            FROM "payments" p JOIN "orders" o ON o."id" = p."order_id"
           WHERE p."id" = ${input.paymentId} FOR UPDATE OF p`;
        if (!payment || !acceptsProof({ status: payment.status, updatedAt: payment.updated_at }, payment.order_status)) throw new ProofNotAcceptedError("transfer_closed");
        if (await tx.transferProof.count({ where: { paymentId: input.paymentId, status: "PENDING" } })) throw new ProofNotAcceptedError("already_pending");
      }
      return tx.transferProof.create({
        data: {
          orderId: input.orderId,
          userId: input.userId,
          paymentId: input.paymentId ?? null,
          storagePath,
          sizeBytes: sealed.length,
          mimeType: "image/jpeg",
        },
        select: { id: true },
      });
    });
    return { proofId: row.id, storagePath, sizeBytes: sealed.length };
  } catch (error) {
    await unlink(path).catch(() => undefined);
    throw error;
  }
}

/**
 * Decrypts a stored screenshot into memory (e.g. to send it to a seller as a photo).
 * Throws `ProofUnavailableError` if it does not exist or was purged, and `SecretboxError` if
 * the file was tampered with or the key is wrong.
 */
export async function readProof(prisma: PrismaClient, input: { key: Uint8Array; dataDir: string; proofId: number }): Promise<Buffer> {
  const row = await prisma.transferProof.findUnique({ where: { id: input.proofId }, select: { storagePath: true, purgedAt: true } });
  if (!row) throw new ProofUnavailableError("not_found", input.proofId);
  if (row.purgedAt) throw new ProofUnavailableError("purged", input.proofId);
  let sealed: Buffer;
  try {
    sealed = await readFile(proofPath(input.dataDir, row.storagePath));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new ProofUnavailableError("file_missing", input.proofId);
    throw error;
  }
  await ready();
  return Buffer.from(open(input.key, sealed));
}

/**
 * Deletes the files of proofs created before `olderThan` that are not purged yet and marks
 * them `purgedAt`. Idempotent and crash-safe: a file already gone counts as deleted, and a
 * row is marked only after its file is gone. Returns how many proofs were purged by this call.
 */
export async function purgeProofs(prisma: PrismaClient, input: { dataDir: string; olderThan: Date; now?: Date; batchSize?: number }): Promise<number> {
  const batchSize = input.batchSize ?? 200;
  let purged = 0;
  let afterId = 0;
  for (;;) {
    const batch = await prisma.transferProof.findMany({
      where: { createdAt: { lt: input.olderThan }, purgedAt: null, id: { gt: afterId } },
      select: { id: true, storagePath: true },
      orderBy: { id: "asc" },
      take: batchSize,
    });
    if (batch.length === 0) return purged;
    for (const proof of batch) {
      afterId = proof.id;
      try {
        await unlink(proofPath(input.dataDir, proof.storagePath));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      const { count } = await prisma.transferProof.updateMany({ where: { id: proof.id, purgedAt: null }, data: { purgedAt: input.now ?? new Date() } });
      purged += count;
    }
  }
}

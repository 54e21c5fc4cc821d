/**
 * Manual bank-transfer screenshots ("bukti transfer"): cleaned, encrypted, stored, shown to a
 * seller, and purged after the retention period (`config.screenshotRetentionDays`).
 *
 * Why this shape:
 * - The sealed bytes live in the proof's row in Postgres, not in a file: with several hosts the
 *   bot process that received a screenshot, the bot or web process where a seller taps "view"
 *   and the worker that purges it are often on different machines, and Postgres is the one
 *   store they all see (a file on one host's disk was "missing" on the others and outlived its
 *   purge there). One INSERT also makes the row and its bytes appear together or not at all.
 * - A screenshot shows a customer's name, bank and account number: it is sealed with
 *   secretbox (`config.encryptionKey`, `nonce ‖ ciphertext`) in memory, and only ciphertext
 *   reaches the database — a stolen dump or backup leaks nothing readable without the key.
 * - The bytes (typically 50–400 KB, at most ~2 MB for a 2000 px image of noise) are loaded only
 *   where an image is shown: every other query selects or omits columns so as never to load
 *   `sealed`; Postgres keeps them out of line (TOAST), so scans of the table stay small.
 * - Rows from before keep `storage_path`, a sealed file under DATA_DIR (./legacy-files.ts);
 *   they are still read and purged until the retention period has passed them all.
 */
import type { PrismaClient } from "../../../db/client.js";
import { open, ready, seal } from "../../crypto/secretbox.js";
import { acceptsProof } from "../manual-transfer.js";
import { deleteLegacyProof, readLegacyProof } from "./legacy-files.js";

export { prepareProofImage, type PreparedProofImage, type ProofImageOptions, type ProofImageRejection } from "./proof-image.js";
export { PROOFS_DIR } from "./legacy-files.js";

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

/**
 * Seals a screenshot (the JPEG from `prepareProofImage`) and records it, with its sealed bytes
 * (`nonce ‖ ciphertext`), as a PENDING TransferProof of the order; the plaintext stays in
 * memory. With a `paymentId`, throws `ProofNotAcceptedError` when that transfer is no longer
 * open or already has a screenshot waiting for a seller.
 */
export async function storeProof(
  prisma: PrismaClient,
  input: { key: Uint8Array; orderId: number; userId: number; paymentId?: number | null; image: Buffer },
): Promise<{ proofId: number; sizeBytes: number }> {
  if (!input.image.subarray(0, 3).equals(JPEG_MAGIC) || input.image.includes("Exif\0\0")) {
    throw new TypeError("storeProof expects the metadata-free JPEG produced by prepareProofImage");
  }
  await ready();
  const sealed = new Uint8Array(seal(input.key, input.image));
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
      data: { orderId: input.orderId, userId: input.userId, paymentId: input.paymentId ?? null, sealed, sizeBytes: sealed.length, mimeType: "image/jpeg" },
      select: { id: true },
    });
  });
  return { proofId: row.id, sizeBytes: sealed.length };
}

/**
 * Decrypts a stored screenshot into memory (e.g. to send it to a seller as a photo), from its
 * row or, for a proof stored before the bytes moved into the database, from its file under
 * `dataDir`. Throws `ProofUnavailableError` if it does not exist, was purged or its legacy file
 * is not on this host, and `SecretboxError` if the bytes were tampered with or the key is wrong.
 */
export async function readProof(prisma: PrismaClient, input: { key: Uint8Array; dataDir: string; proofId: number }): Promise<Buffer> {
  const row = await prisma.transferProof.findUnique({ where: { id: input.proofId }, select: { sealed: true, storagePath: true, purgedAt: true } });
  if (!row) throw new ProofUnavailableError("not_found", input.proofId);
  if (row.purgedAt) throw new ProofUnavailableError("purged", input.proofId);
  const sealed = row.sealed ?? (row.storagePath ? await readLegacyProof(input.dataDir, row.storagePath) : null);
  if (!sealed) throw new ProofUnavailableError("file_missing", input.proofId);
  await ready();
  return Buffer.from(open(input.key, sealed));
}

/**
 * Purges the proofs created before `olderThan` that are not purged yet, `batchSize` rows at a
 * time: drops their sealed bytes (and deletes a legacy proof's file first) and marks them
 * `purgedAt`, in one UPDATE per batch. Idempotent and crash-safe: a legacy file already gone
 * counts as deleted, a row is marked only after its file is gone, and a purge running on two
 * hosts at once counts each proof once. Returns how many proofs this call purged.
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
    afterId = batch[batch.length - 1]!.id;
    for (const proof of batch) if (proof.storagePath) await deleteLegacyProof(input.dataDir, proof.storagePath);
    const { count } = await prisma.transferProof.updateMany({
      where: { id: { in: batch.map((p) => p.id) }, purgedAt: null },
      data: { sealed: null, purgedAt: input.now ?? new Date() },
    });
    purged += count;
  }
}

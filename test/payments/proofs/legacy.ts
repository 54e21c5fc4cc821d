/**
 * A transfer proof as the shop stored it before issue 14: the sealed bytes in a file under
 * `dataDir/proofs` and the row pointing at it (no `sealed` column value). Nothing in the shop
 * writes these any more; tests make them to prove such rows are still read, purged and restored.
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PrismaClient } from "../../../db/client.js";
import { ready, seal } from "../../../shop/crypto/secretbox.js";
import { PROOFS_DIR } from "../../../shop/payments/proofs/transfer-proofs.js";

export async function legacyProof(
  prisma: PrismaClient,
  input: { key: Uint8Array; dataDir: string; orderId: number; userId: number; paymentId?: number | null; image: Buffer },
): Promise<{ proofId: number; storagePath: string }> {
  await ready();
  const sealed = seal(input.key, input.image);
  await mkdir(join(input.dataDir, PROOFS_DIR), { recursive: true, mode: 0o700 });
  const storagePath = `${PROOFS_DIR}/${randomBytes(16).toString("hex")}.bin`;
  await writeFile(join(input.dataDir, storagePath), sealed, { mode: 0o600 });
  const row = await prisma.transferProof.create({
    data: { orderId: input.orderId, userId: input.userId, paymentId: input.paymentId ?? null, storagePath, sizeBytes: sealed.length, mimeType: "image/jpeg" },
    select: { id: true },
  });
  return { proofId: row.id, storagePath };
}

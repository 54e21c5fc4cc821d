/**
 * What the backup tests share: a shop with money in it (orders, a paid top-up credited to a
 * wallet, a running VPS, sealed transfer proofs), a picture of it to compare after
 * a restore, the config of a backing-up service, and fetching delivered parts back from the chat.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Api } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import type { FakeTelegram } from "../../ops/fakes/telegram/index.js";
import type { BackupRunResult } from "../../shop/backup/index.js";
import { generateBackupKeyPair } from "../../shop/backup/keys.js";
import { readProof, storeProof } from "../../shop/payments/proofs/transfer-proofs.js";
import { loadConfig, type Config } from "../../shop/platform/config.js";
import { creditTopUp, walletBalance } from "../../shop/wallet/ledger.js";
import type { TestDatabase } from "../support/db.js";
import { legacyProof } from "../payments/proofs/legacy.js";
import { failedVpsOrder, openTransfer, paymentUnderReview, userRow } from "../support/factories.js";
import { testEnv } from "../support/service.js";

export interface BackupWorld {
  dataDir: string;
  backupDir: string;
  keys: { publicKey: string; secretKey: string };
  env: Record<string, string>;
  config: Config;
}

/** Folders and keys of a service that backs up, its config pointing at `apiRoot`. */
export async function backupWorld(db: TestDatabase, apiRoot: string, extra: Record<string, string> = {}): Promise<BackupWorld> {
  const root = await mkdtemp(join(tmpdir(), "vps-backup-test-"));
  const dataDir = join(root, "data");
  const backupDir = join(root, "backups");
  await mkdir(dataDir, { recursive: true });
  const keys = await generateBackupKeyPair();
  const env = testEnv(db, `bk${randomBytes(3).toString("hex")}`, 3000, apiRoot, { DATA_DIR: dataDir, BACKUP_DIR: backupDir, BACKUP_PUBLIC_KEY: keys.publicKey, ...extra });
  return { dataDir, backupDir, keys, env, config: loadConfig(env) };
}

/** A tiny metadata-free "JPEG" (what storeProof accepts) of `bytes` random bytes. */
function jpeg(bytes: number): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(bytes)]);
}

/**
 * Orders, a credited top-up, a running VPS and transfer proofs (`proofBytes` each, sealed in
 * their rows) for `customers` customers; with `legacyProof`, the first customer's proof is a
 * sealed file in DATA_DIR instead, as proofs were stored before issue 14.
 */
export async function seedShop(prisma: PrismaClient, config: Config, opts: { customers?: number; proofBytes?: number; legacyProof?: boolean } = {}): Promise<void> {
  for (let i = 0; i < (opts.customers ?? 2); i++) {
    const user = await userRow(prisma, 7_100_000 + i, `Pembeli ${i}`);
    const topup = await paymentUnderReview(prisma, user.id, { amountIdr: 50_000 + i });
    await prisma.payment.update({ where: { id: topup.id }, data: { status: "PAID", paidAt: new Date() } });
    await prisma.order.update({ where: { id: topup.orderId }, data: { status: "PAID" } });
    await creditTopUp(prisma, { userId: user.id, amountIdr: 50_000 + i, orderId: topup.orderId, paymentId: topup.id, gatewayCode: "MANUAL_TRANSFER" });
    const vps = await failedVpsOrder(prisma, user.id);
    await prisma.order.update({ where: { id: vps.id }, data: { status: "ACTIVE" } });
    await prisma.instance.create({
      data: { orderId: vps.id, userId: user.id, providerCode: "DIGITALOCEAN", providerInstanceId: `do-${i}`, label: `vps-${i}`, region: "sgp1", planCode: "do-s-1vcpu-1gb-sgp1", imageCode: "ubuntu-22.04", ipv4: `203.0.113.${i + 1}`, status: "ACTIVE", expiresAt: new Date(Date.now() + 30 * 86_400_000) },
    });
    const transfer = await openTransfer(prisma, user.id, { uniqueCodeIdr: 100 + i });
    const proof = { key: config.encryptionKey, orderId: transfer.orderId, userId: user.id, paymentId: transfer.id, image: jpeg(opts.proofBytes ?? 2_000) };
    if (opts.legacyProof && i === 0) await legacyProof(prisma, { ...proof, dataDir: config.dataDir });
    else await storeProof(prisma, proof);
  }
}

/** What the bot would show: orders, wallet balances, VPS and the transfer proofs' bytes. */
export async function shopPicture(prisma: PrismaClient, config: Config): Promise<unknown> {
  const users = await prisma.user.findMany({ orderBy: { id: "asc" }, select: { id: true, telegramId: true } });
  const proofs = await prisma.transferProof.findMany({ orderBy: { id: "asc" }, select: { id: true } });
  return {
    orders: await prisma.order.findMany({ orderBy: { id: "asc" }, select: { id: true, reference: true, status: true, totalIdr: true, userId: true } }),
    wallets: await Promise.all(users.map(async (u) => [String(u.telegramId), await walletBalance(prisma, u.id)])),
    vps: await prisma.instance.findMany({ orderBy: { id: "asc" }, select: { id: true, label: true, ipv4: true, status: true, expiresAt: true } }),
    proofs: await Promise.all(proofs.map(async (p) => [p.id, (await readProof(prisma, { key: config.encryptionKey, dataDir: config.dataDir, proofId: p.id })).toString("base64")])),
  };
}

/** Downloads every delivered part and the manifest of chat `chatId` back from the (fake) Telegram, as a restore from the chat would. */
export async function downloadFromChat(api: Api, fake: FakeTelegram, result: BackupRunResult, chatId: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vps-backup-download-"));
  const copies = [...result.parts.map((p) => ({ name: p.name, fileId: p.telegram.find((c) => c.chatId === chatId)!.fileId })), { name: `${result.backupId}.manifest.json`, fileId: result.manifestCopies.find((c) => c.chatId === chatId)!.fileId }];
  for (const copy of copies) {
    const file = await api.getFile(copy.fileId);
    const res = await fetch(fake.fileUrl(file.file_path!));
    await writeFile(join(dir, copy.name), Buffer.from(await res.arrayBuffer()));
  }
  return dir;
}

/**
 * Rows a test needs to act on, made straight in the database in the shape the shop's own code
 * leaves them (check constraints included), so tests of the staff tools do not each carry a
 * copy of the order columns.
 */
import type { PrismaClient } from "../../db/client.js";
import { newOrderReference } from "../../shop/orders/reference.js";

/** The user row of a Telegram account (created on first use, as the bot does on first contact). */
export async function userRow(prisma: PrismaClient, telegramId: number, firstName = "Pembeli") {
  return prisma.user.upsert({ where: { telegramId: BigInt(telegramId) }, create: { telegramId: BigInt(telegramId), firstName }, update: {} });
}

/** A wallet top-up paid by manual transfer whose money waits for a seller (what the rev: buttons act on). */
export async function paymentUnderReview(prisma: PrismaClient, userId: number, opts: { amountIdr?: number; uniqueCodeIdr?: number } = {}) {
  const amountIdr = opts.amountIdr ?? 50_000;
  const uniqueCodeIdr = opts.uniqueCodeIdr ?? 0;
  const order = await prisma.order.create({
    data: { reference: newOrderReference(), userId, kind: "WALLET_TOPUP", status: "PAYMENT_REVIEW", basePriceIdr: amountIdr, totalIdr: amountIdr, snapshot: {} },
  });
  return prisma.payment.create({
    data: { orderId: order.id, gateway: "MANUAL_TRANSFER", attemptRef: `MT-${order.reference}`, amountIdr, uniqueCodeIdr, totalIdr: amountIdr + uniqueCodeIdr, status: "REVIEW" },
    include: { order: true },
  });
}

/** An open manual-transfer top-up the customer can send a screenshot for. */
export async function openTransfer(prisma: PrismaClient, userId: number, opts: { amountIdr?: number; uniqueCodeIdr?: number } = {}) {
  const amountIdr = opts.amountIdr ?? 60_000;
  const uniqueCodeIdr = opts.uniqueCodeIdr ?? 321;
  const order = await prisma.order.create({
    data: { reference: newOrderReference(), userId, kind: "WALLET_TOPUP", status: "PENDING_PAYMENT", basePriceIdr: amountIdr, totalIdr: amountIdr, snapshot: {} },
  });
  return prisma.payment.create({
    data: { orderId: order.id, gateway: "MANUAL_TRANSFER", attemptRef: `MT-${order.reference}`, amountIdr, uniqueCodeIdr, totalIdr: amountIdr + uniqueCodeIdr, status: "PENDING" },
    include: { order: true },
  });
}

/** A DigitalOcean VPS order whose provisioning failed (what /retry, /refund and the prov: buttons act on). */
export async function failedVpsOrder(prisma: PrismaClient, userId: number) {
  return prisma.order.create({
    data: {
      reference: newOrderReference(),
      userId,
      kind: "NEW_VPS",
      status: "PROVISIONING_FAILED",
      planCode: "do-s-1vcpu-1gb-sgp1",
      planName: "Basic 1 GB",
      providerCode: "DIGITALOCEAN",
      providerSizeSlug: "s-1vcpu-1gb",
      region: "sgp1",
      imageCode: "ubuntu-22.04",
      providerImageRef: "ubuntu-22-04-x64",
      durationMonths: 1,
      basePriceIdr: 75_000,
      totalIdr: 75_000,
      snapshot: {},
    },
  });
}

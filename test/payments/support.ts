/**
 * Rows the payment follow-up and review tests start from, as the service leaves them: an order
 * paid (or under review) through a gateway, a VPS it bought or renews, a top-up. Built on the
 * webhook harness's `createPendingOrder` and settled through the real `settle_payment`.
 */
import type { InstanceStatus, PrismaClient } from "../../db/client.js";
import type { CloudProvider, CloudServer, ServerAction } from "../../shop/cloud/provider.js";
import type { GatewayOutcome } from "../../shop/payments/outcome.js";
import { settleAndRecord, type Settled } from "../../shop/payments/settle.js";
import { createPendingOrder, type PendingOrder, type PendingOrderOptions } from "../webhooks/payments/harness.js";

let events = 0;

/** Settles one gateway outcome for the order's attempt (a fresh event key each time). */
export function settle(prisma: PrismaClient, p: Pick<PendingOrder, "attemptRef">, outcome: GatewayOutcome, attemptRef = p.attemptRef): Promise<Settled> {
  return settleAndRecord(prisma, { key: { attemptRef }, outcome, eventKey: `t-${Date.now()}-${++events}`, source: "test", actor: { type: "GATEWAY", id: "test" } });
}

export const paidOutcome = (amountIdr: number): GatewayOutcome => ({ kind: "paid", amountIdr, paidAt: new Date() });

/** A second attempt (another method) of the same order, PENDING, for `amountIdr`. */
export async function anotherAttempt(prisma: PrismaClient, p: PendingOrder, amountIdr = p.totalIdr) {
  return prisma.payment.create({ data: { orderId: p.orderId, gateway: "MIDTRANS", attemptRef: `${p.attemptRef}-B${++events}`, amountIdr, totalIdr: amountIdr } });
}

/** A VPS of the order's customer, bought by `orderId`. */
export async function vpsOf(prisma: PrismaClient, p: PendingOrder, opts: { status?: InstanceStatus; expiresAt?: Date; orderId?: number } = {}) {
  return prisma.instance.create({
    data: {
      orderId: opts.orderId ?? p.orderId,
      userId: p.userId,
      providerCode: "DIGITALOCEAN",
      providerInstanceId: `do-${p.orderId}-${++events}`,
      label: `vps-${p.orderId}`,
      region: "sgp1",
      planCode: "do-s-1vcpu-1gb-sgp1",
      imageCode: "ubuntu-24.04",
      status: opts.status ?? "ACTIVE",
      ipv4: "203.0.113.9",
      expiresAt: opts.expiresAt ?? new Date(Date.now() + 20 * 86_400_000),
    },
  });
}

/** A RENEWAL order of `instanceId`, PENDING_PAYMENT, with a pending Tripay attempt. */
export async function renewalOrder(prisma: PrismaClient, instanceId: number, opts: PendingOrderOptions = {}): Promise<PendingOrder> {
  const p = await createPendingOrder(prisma, opts);
  const instance = await prisma.instance.findUniqueOrThrow({ where: { id: instanceId } });
  await prisma.order.update({ where: { id: p.orderId }, data: { kind: "RENEWAL", instanceId, userId: instance.userId } });
  return { ...p, userId: instance.userId };
}

/** A WALLET_TOPUP order (PENDING_PAYMENT) with a pending Tripay attempt. */
export async function topUpOrder(prisma: PrismaClient, opts: PendingOrderOptions = {}): Promise<PendingOrder> {
  const p = await createPendingOrder(prisma, opts);
  await prisma.order.update({ where: { id: p.orderId }, data: { kind: "WALLET_TOPUP", planCode: null, planName: null, providerCode: null } });
  return p;
}

/** A cloud as far as a held VPS needs one: its status, and the power actions asked of it. */
export function recordingCloud(status: CloudServer["status"] = "running") {
  const actions: Array<{ id: string; action: ServerAction }> = [];
  const provider = {
    code: "DIGITALOCEAN",
    async getServer(id: string) {
      return { id, status } as CloudServer;
    },
    async action(id: string, action: ServerAction) {
      actions.push({ id, action });
    },
  } as unknown as CloudProvider;
  return { provider, actions };
}

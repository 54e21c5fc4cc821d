/** Staff powers of order lookup and order actions (/order): see ../staff-table.ts for what each row must give. */
import type { PrismaClient } from "../../../db/client.js";
import { newOrderReference } from "../../../shop/orders/reference.js";
import type { RecordedCall } from "../../support/bot-harness.js";
import { failedVpsOrder, userRow } from "../../support/factories.js";
import { PEOPLE, type StaffBot } from "../support/staff-bot.js";
import type { StaffAction } from "../staff-table.js";

async function customerId(prisma: PrismaClient): Promise<number> {
  return (await userRow(prisma, PEOPLE.customer.id, PEOPLE.customer.first_name)).id;
}

/** A VPS order waiting for its Tripay payment (what mark-paid and cancel act on). */
async function unpaidOrder(prisma: PrismaClient) {
  const order = await prisma.order.create({
    data: {
      reference: newOrderReference(), userId: await customerId(prisma), kind: "NEW_VPS", status: "PENDING_PAYMENT",
      planCode: "do-s-1vcpu-1gb-sgp1", planName: "Basic 1 GB", providerCode: "DIGITALOCEAN", providerSizeSlug: "s-1vcpu-1gb", region: "sgp1",
      imageCode: "ubuntu-22.04", providerImageRef: "ubuntu-22-04-x64", durationMonths: 1, basePriceIdr: 75_000, totalIdr: 75_000, snapshot: {},
      paymentDeadline: new Date(Date.now() + 3_600_000),
    },
  });
  const payment = await prisma.payment.create({ data: { orderId: order.id, gateway: "TRIPAY", method: "QRIS", attemptRef: `TP-${order.reference}`, amountIdr: 75_000, totalIdr: 75_000, status: "PENDING" } });
  return { order, payment };
}

/** An ACTIVE order with its VPS and sealed login details (what the resend buttons act on). */
async function activeOrder(prisma: PrismaClient) {
  const order = await failedVpsOrder(prisma, await customerId(prisma));
  await prisma.order.update({ where: { id: order.id }, data: { status: "ACTIVE", paidAt: new Date() } });
  await prisma.instance.create({
    data: { orderId: order.id, userId: order.userId, providerCode: "DIGITALOCEAN", providerInstanceId: `sec-${order.id}`, label: "vps-sec", region: "sgp1", planCode: "do-s-1vcpu-1gb-sgp1", imageCode: "ubuntu-22.04", ipv4: "203.0.113.9", status: "ACTIVE", rootPasswordEnc: Buffer.from("sealed"), expiresAt: new Date(Date.now() + 30 * 86_400_000) },
  });
  return order;
}

const statusOf = async (prisma: PrismaClient, orderId: number) => (await prisma.order.findUniqueOrThrow({ where: { id: orderId } })).status;
const audited = async (prisma: PrismaClient, action: string, orderId: number) => (await prisma.auditLog.count({ where: { action, targetType: "order", targetId: String(orderId) } })) > 0;
/** A reply only staff may see (not a refusal). */
const answered = (w: StaffBot, calls: RecordedCall[]) => calls.some((c) => (c.method === "sendMessage" || c.method === "editMessageText") && !w.refusals.has(String(c.payload.text ?? "")));

/** A view of one order: the card or a drill-in, which shows the order's reference. */
function viewRow(name: string, data: (orderId: number) => string): StaffAction {
  return {
    name,
    kind: "callback",
    permission: "orders.view",
    arrange: async (w) => {
      const { order } = await unpaidOrder(w.prisma);
      return { steps: [{ data: data(order.id) }], tookEffect: async (calls) => answered(w, calls) && calls.some((c) => String(c.payload.text ?? "").includes(order.reference)) };
    },
  };
}

export const ORDER_ACTIONS: StaffAction[] = [
  {
    name: "/order",
    kind: "command",
    permission: "orders.view",
    arrange: async (w) => {
      const { order } = await unpaidOrder(w.prisma);
      return { steps: [{ text: `/order ${order.reference}` }], tookEffect: async (calls) => answered(w, calls) };
    },
  },
  viewRow("oc:c:", (id) => `oc:c:${id}`),
  viewRow("oc:d:", (id) => `oc:d:h:${id}`),
  {
    name: "oc:f:",
    kind: "callback",
    permission: "orders.view",
    arrange: async (w) => {
      await unpaidOrder(w.prisma);
      return { steps: [{ data: "oc:f:s:0" }], tookEffect: async (calls) => answered(w, calls) };
    },
  },
  {
    name: "oc:pg:",
    kind: "callback",
    permission: "orders.view",
    arrange: async (w) => {
      const { order } = await unpaidOrder(w.prisma);
      await unpaidOrder(w.prisma);
      // The newer page of an order: the search remembered by the /order before it.
      return { steps: [{ text: "/order status:pending" }, { data: `oc:pg:p:${order.id}:1` }], tookEffect: async (calls) => calls.some((c) => c.method === "editMessageText" && !w.refusals.has(String(c.payload.text ?? ""))) };
    },
  },
  {
    name: "oc:csv:",
    kind: "callback",
    permission: "orders.view",
    arrange: async (w) => {
      await unpaidOrder(w.prisma);
      return { steps: [{ data: "oc:csv:7" }], tookEffect: async (calls) => calls.some((c) => c.method === "sendDocument") };
    },
  },
  {
    name: "oc:mp:",
    kind: "callback",
    permission: "orders.manage",
    arrange: async (w) => {
      const { payment } = await unpaidOrder(w.prisma);
      // The button asks for the reason; the reason typed next is what marks it paid.
      const status = async () => (await w.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status;
      return { steps: [{ data: `oc:mp:${payment.id}` }, { text: "dicek di dasbor Tripay" }], tookEffect: async () => (await status()) === "PAID" };
    },
  },
  {
    name: "oc:cx:",
    kind: "callback",
    permission: "orders.manage",
    arrange: async (w) => {
      const { order } = await unpaidOrder(w.prisma);
      return { steps: [{ data: `oc:cx:${order.id}` }, { text: "pelanggan minta batal" }], tookEffect: async () => (await statusOf(w.prisma, order.id)) === "CANCELLED" };
    },
  },
  {
    name: "oc:nt:",
    kind: "callback",
    permission: "orders.manage",
    arrange: async (w) => {
      const { order } = await unpaidOrder(w.prisma);
      return { steps: [{ data: `oc:nt:${order.id}` }, { text: "catatan penting" }], tookEffect: () => audited(w.prisma, "order.note", order.id) };
    },
  },
  {
    name: "oc:rf:",
    kind: "callback",
    permission: "orders.refund",
    arrange: async (w) => {
      const order = await failedVpsOrder(w.prisma, await customerId(w.prisma));
      // Only the confirmation, but it names the order: staff eyes only.
      return { steps: [{ data: `oc:rf:${order.id}` }], tookEffect: async (calls) => answered(w, calls) };
    },
  },
  {
    name: "oc:rf2:",
    kind: "callback",
    permission: "orders.refund",
    arrange: async (w) => {
      const order = await failedVpsOrder(w.prisma, await customerId(w.prisma));
      return { steps: [{ data: `oc:rf2:${order.id}` }], tookEffect: async () => (await statusOf(w.prisma, order.id)) === "REFUNDED" };
    },
  },
  {
    name: "oc:rt:",
    kind: "callback",
    permission: "provisioning.retry",
    arrange: async (w) => {
      const order = await failedVpsOrder(w.prisma, await customerId(w.prisma));
      return { steps: [{ data: `oc:rt:${order.id}` }], tookEffect: async () => (await statusOf(w.prisma, order.id)) === "PROVISIONING" };
    },
  },
  {
    name: "oc:ri:",
    kind: "callback",
    permission: "orders.manage",
    arrange: async (w) => {
      const order = await activeOrder(w.prisma);
      return { steps: [{ data: `oc:ri:${order.id}` }], tookEffect: () => audited(w.prisma, "order.resend_invoice", order.id) };
    },
  },
  {
    name: "oc:rc:",
    kind: "callback",
    permission: "orders.manage",
    arrange: async (w) => {
      const order = await activeOrder(w.prisma);
      return { steps: [{ data: `oc:rc:${order.id}` }], tookEffect: () => audited(w.prisma, "order.resend_credentials", order.id) };
    },
  },
];

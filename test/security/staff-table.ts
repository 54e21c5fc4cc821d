/**
 * Every staff power the bot has, as data: each command and each callback prefix a staff member
 * can use, what it acts on (made fresh for every attempt), and how to tell it took effect. The
 * powers test tries each one as every kind of person who must not have it; the registry test
 * fails when the bot registers a command or callback prefix that is in neither this table nor
 * CUSTOMER_SURFACE, so a new staff power cannot ship without being tried here.
 */
import { randomUUID } from "node:crypto";
import sharp from "sharp";
import type { PrismaClient } from "../../db/client.js";
import { prepareProofImage, storeProof } from "../../shop/payments/proofs/transfer-proofs.js";
import type { Permission } from "../../shop/users/staff.js";
import { muteData } from "../../shop/alerts/render.js";
import { forgetMaintenanceState, maintenanceState, setMaintenance } from "../../shop/maintenance/state.js";
import type { RecordedCall } from "../support/bot-harness.js";
import { failedVpsOrder, openTransfer as openTransferRow, userRow } from "../support/factories.js";
import type { StaffBot, Step } from "./support/staff-bot.js";
import { PEOPLE } from "./support/staff-bot.js";
import { STAFF_CONSOLE_ACTIONS } from "./staff-actions/staff.js";
import { PENDING_ACTIONS } from "./staff-actions/pending.js";
import { ORDER_ACTIONS } from "./staff-actions/orders.js";
import { CATALOG_ACTIONS } from "./staff-actions/catalog.js";
import { CUSTOMER_ACTIONS } from "./staff-actions/customers.js";
import { STATS_ACTIONS } from "./staff-actions/stats.js";
import { RESELLER_ACTIONS } from "./staff-actions/resellers.js";
import { BROADCAST_ACTIONS } from "./staff-actions/broadcast.js";

export interface StaffAction {
  /** The command (`/stats`) or the callback prefix (`rev:ok2:`) as the code registers it. */
  name: string;
  kind: "command" | "callback";
  permission: Permission;
  /**
   * The attempt is stopped before the user is loaded (the maintenance gate answers customers
   * without touching the database), so a removed seller's stale row is not corrected by it.
   */
  stoppedBeforeUserLoad?: boolean;
  /** Makes what the action acts on; returns the updates to send and how to see it worked. */
  arrange(w: StaffBot): Promise<{ steps: Step[]; tookEffect(calls: RecordedCall[]): Promise<boolean> }>;
}

async function customerId(prisma: PrismaClient): Promise<number> {
  return (await userRow(prisma, PEOPLE.customer.id, PEOPLE.customer.first_name)).id;
}

/** Open manual transfers need distinct amounts (their unique code tells them apart in the bank). */
let uniqueCode = 0;

/** A manual-transfer top-up waiting for its money, as checkout leaves it. */
async function openTransfer(prisma: PrismaClient) {
  uniqueCode += 1;
  return openTransferRow(prisma, await customerId(prisma), { amountIdr: 50_000, uniqueCodeIdr: uniqueCode });
}

/** A VPS order whose provisioning failed (what /retry, /refund and prov: act on). */
async function failedOrder(prisma: PrismaClient) {
  return failedVpsOrder(prisma, await customerId(prisma));
}

/** A transfer whose screenshot the customer sent, waiting for a seller (what every rev: button acts on). */
async function transferWithProof(w: StaffBot) {
  const payment = await openTransfer(w.prisma);
  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#aa3366" } }).jpeg().toBuffer();
  const prepared = await prepareProofImage(jpeg);
  if (!prepared.ok) throw new Error(`test image refused: ${prepared.reason}`);
  const { config } = w;
  const proof = await storeProof(w.prisma, { key: config.encryptionKey, orderId: payment.orderId, userId: payment.order.userId, paymentId: payment.id, image: prepared.image });
  return { paymentId: payment.id, proofId: proof.proofId };
}

const statusOf = async (prisma: PrismaClient, orderId: number) => (await prisma.order.findUniqueOrThrow({ where: { id: orderId } })).status;
const paymentStatus = async (prisma: PrismaClient, id: number) => (await prisma.payment.findUniqueOrThrow({ where: { id } })).status;
/** A reply that only a staff member may see (not a refusal). */
const answered = (w: StaffBot, calls: RecordedCall[], method = "sendMessage") =>
  calls.some((c) => c.method === method && !w.refusals.has(String(c.payload.text ?? "")));

const BASE_ACTIONS: StaffAction[] = [
  {
    name: "/stats",
    kind: "command",
    permission: "stats.view",
    arrange: async (w) => ({ steps: [{ text: "/stats" }], tookEffect: async (calls) => answered(w, calls) }),
  },
  {
    name: "/health",
    kind: "command",
    permission: "service.health",
    arrange: async (w) => ({ steps: [{ text: "/health" }], tookEffect: async (calls) => answered(w, calls) }),
  },
  {
    name: "/retry",
    kind: "command",
    permission: "provisioning.retry",
    arrange: async (w) => {
      const order = await failedOrder(w.prisma);
      return { steps: [{ text: `/retry ${order.reference}` }], tookEffect: async () => (await statusOf(w.prisma, order.id)) !== "PROVISIONING_FAILED" };
    },
  },
  {
    name: "/refund",
    kind: "command",
    permission: "orders.refund",
    arrange: async (w) => {
      const order = await failedOrder(w.prisma);
      return { steps: [{ text: `/refund ${order.reference}` }], tookEffect: async () => (await statusOf(w.prisma, order.id)) === "REFUNDED" };
    },
  },
  {
    name: "prov:retry:",
    kind: "callback",
    permission: "provisioning.retry",
    arrange: async (w) => {
      const order = await failedOrder(w.prisma);
      return { steps: [{ data: `prov:retry:${order.id}` }], tookEffect: async () => (await statusOf(w.prisma, order.id)) !== "PROVISIONING_FAILED" };
    },
  },
  {
    name: "prov:refund:",
    kind: "callback",
    permission: "orders.refund",
    arrange: async (w) => {
      const order = await failedOrder(w.prisma);
      return { steps: [{ data: `prov:refund:${order.id}` }], tookEffect: async () => (await statusOf(w.prisma, order.id)) === "REFUNDED" };
    },
  },
  {
    name: "rev:view:",
    kind: "callback",
    permission: "payments.review",
    arrange: async (w) => {
      const { proofId } = await transferWithProof(w);
      return { steps: [{ data: `rev:view:${proofId}` }], tookEffect: async (calls) => calls.some((c) => c.method === "sendPhoto") };
    },
  },
  {
    name: "rev:ok:",
    kind: "callback",
    permission: "payments.review",
    arrange: async (w) => {
      const { paymentId } = await transferWithProof(w);
      // Only a confirmation prompt, but it shows the amount and the order: staff eyes only.
      return { steps: [{ data: `rev:ok:${paymentId}` }], tookEffect: async (calls) => answered(w, calls) };
    },
  },
  {
    name: "rev:ok2:",
    kind: "callback",
    permission: "payments.review",
    arrange: async (w) => {
      const { paymentId } = await transferWithProof(w);
      return { steps: [{ data: `rev:ok2:${paymentId}` }], tookEffect: async () => (await paymentStatus(w.prisma, paymentId)) !== "PENDING" };
    },
  },
  {
    name: "rev:no:",
    kind: "callback",
    permission: "payments.review",
    arrange: async (w) => {
      const { proofId, paymentId } = await transferWithProof(w);
      // The button opens the reject flow; the reason typed next is what rejects the screenshot.
      const proofStatus = async () => (await w.prisma.transferProof.findUniqueOrThrow({ where: { id: proofId } })).status;
      return { steps: [{ data: `rev:no:${paymentId}` }, { text: "bukti transfer palsu" }], tookEffect: async () => (await proofStatus()) !== "PENDING" };
    },
  },
  ...(["wal", "out"] as const).map(
    (to): StaffAction => ({
      name: `rev:${to}:`,
      kind: "callback",
      permission: "payments.review",
      arrange: async (w) => {
        const paymentId = await moneyUnderReview(w.prisma);
        // The button opens the reason step; the reason typed next is what gives the money back.
        return { steps: [{ data: `rev:${to}:${paymentId}` }, { text: "dibayar dua kali" }], tookEffect: async () => (await paymentStatus(w.prisma, paymentId)) !== "REVIEW" };
      },
    }),
  ),
  ...(["rel", "keep"] as const).map(
    (decision): StaffAction => ({
      name: `hold:${decision}:`,
      kind: "callback",
      permission: "payments.holds",
      arrange: async (w) => {
        const holdId = await refundHold(w.prisma);
        const status = async () => (await w.prisma.paymentHold.findUniqueOrThrow({ where: { id: holdId } })).status;
        return { steps: [{ data: `hold:${decision}:${holdId}` }], tookEffect: async () => (await status()) !== "HELD" };
      },
    }),
  ),
  {
    name: "alert:mute:",
    kind: "callback",
    permission: "alerts.receive",
    arrange: async (w) => {
      const alert = await w.prisma.ownerAlert.create({ data: { fingerprint: `test:mute:${randomUUID()}`, kind: "test", severity: "warning", title: "Uji", nextStep: "-" } });
      const mutedUntil = async () => (await w.prisma.ownerAlert.findUniqueOrThrow({ where: { id: alert.id } })).mutedUntil;
      return { steps: [{ data: muteData(alert.id, 60) }], tookEffect: async () => (await mutedUntil()) !== null };
    },
  },
  {
    name: "/backup",
    kind: "command",
    permission: "backups.run",
    // `/backup status` (read only); `/backup` itself starts a backup in the background, which would
    // write while the next attempt's checksums are taken. Both sit behind the same filter.
    arrange: async (w) => ({ steps: [{ text: "/backup status" }], tookEffect: async (calls) => answered(w, calls) }),
  },
  {
    name: "/restore",
    kind: "command",
    permission: "backups.restore",
    // The owner's /restore opens the restore conversation (its first prompt); /cancel leaves it.
    arrange: async (w) => ({ steps: [{ text: "/restore" }, { text: "/cancel" }], tookEffect: async (calls) => answered(w, calls.slice(0, -1)) }),
  },
  {
    name: "/doctor",
    kind: "command",
    permission: "service.doctor",
    arrange: async (w) => ({ steps: [{ text: "/doctor" }], tookEffect: async (calls) => answered(w, calls) }),
  },
  {
    name: "/maintenance",
    kind: "command",
    permission: "maintenance.manage",
    arrange: async (w) => {
      await setMaintenance(w.prisma, { on: false, actor: SYSTEM });
      return { steps: [{ text: "/maintenance on Perbaikan jaringan" }], tookEffect: async () => globalMaintenance(w.prisma) };
    },
  },
  // Last: it leaves the shop in maintenance for whoever comes after it.
  {
    name: "mnt:off",
    kind: "callback",
    permission: "maintenance.manage",
    stoppedBeforeUserLoad: true,
    arrange: async (w) => {
      const message = "Perbaikan jaringan";
      await setMaintenance(w.prisma, { on: true, message, actor: SYSTEM });
      // Customers meet the maintenance gate before the button: the owner's message, nothing staff-only.
      for (const locale of ["id", "en"]) w.refusals.add(w.core.i18n.t(locale, "maintenance-customer", { message }).slice(0, 200));
      return { steps: [{ data: "mnt:off" }], tookEffect: async () => !(await globalMaintenance(w.prisma)) };
    },
  },
];

/**
 * Every staff power: the base rows above, then one module per console area
 * (test/security/staff-actions/*.ts). "mnt:off" stays last: it ends maintenance mode,
 * which the rows before it may need on.
 */
export const STAFF_ACTIONS: StaffAction[] = [
  ...BASE_ACTIONS.filter((a) => a.name !== "mnt:off"),
  ...STAFF_CONSOLE_ACTIONS,
  ...PENDING_ACTIONS,
  ...ORDER_ACTIONS,
  ...CATALOG_ACTIONS,
  ...CUSTOMER_ACTIONS,
  ...STATS_ACTIONS,
  ...RESELLER_ACTIONS,
  ...BROADCAST_ACTIONS,
  ...BASE_ACTIONS.filter((a) => a.name === "mnt:off"),
];

const SYSTEM = { userId: null, actorType: "SYSTEM" } as const;

async function globalMaintenance(prisma: PrismaClient): Promise<boolean> {
  forgetMaintenanceState(prisma);
  return (await maintenanceState(prisma)).global !== undefined;
}

/** A late transfer waiting for a seller's decision (what rev:wal: and rev:out: act on). */
async function moneyUnderReview(prisma: PrismaClient): Promise<number> {
  const payment = await openTransfer(prisma);
  await prisma.order.update({ where: { id: payment.orderId }, data: { status: "PAYMENT_REVIEW" } });
  await prisma.payment.update({ where: { id: payment.id }, data: { status: "REVIEW", reviewWhy: "late_payment", receivedIdr: payment.totalIdr } });
  return payment.id;
}

/** A transfer the gateway refunded, its customer's wallet held for the owner (what hold: acts on). */
async function refundHold(prisma: PrismaClient): Promise<number> {
  const payment = await openTransfer(prisma);
  await prisma.payment.update({ where: { id: payment.id }, data: { status: "REFUNDED", gatewayRefundedAt: new Date() } });
  const userId = payment.order.userId;
  await prisma.wallet.upsert({ where: { userId }, create: { userId, heldAt: new Date(), holdReason: "refund" }, update: { heldAt: new Date(), holdReason: "refund" } });
  return (await prisma.paymentHold.create({ data: { paymentId: payment.id, userId, reason: "refund" } })).id;
}

/**
 * What customers may use. Each entry is a command or the literal start of callback data (as
 * registered or put on a button); the registry test checks the code against this list and
 * STAFF_ACTIONS. Adding a prefix here is a claim that it needs no staff permission.
 */
export const CUSTOMER_SURFACE = {
  commands: ["start", "help", "cancel", "catalog", "orders", "vps", "wallet", "language", "invoices", "settings", "apikeys"],
  callbacks: [
    "menu:", "cat:", "cat:prov:", "cat:plan:", "cat:dur:", "cat:img:", "chk:", "ord:view:", "ord:list:", "pay:m:", "pay:tp:", "pay:mt:", "pay:wl:", "pay:wlok:", "pay:mn:",
    "wal:top:", "wal:custom", "vps:view:", "vps:list", "vps:auto:", "vps:act:", "vps:do:", "vps:console:", "renew:", "renew:do:", "lang:",
    // Resellers (bot/features/reseller.feature.ts): a customer's own labels and invoices, ownership checked per tap.
    "rs:l:", "rs:g:", "rs:e:", "rs:x:", "rs:c", "rs:i:", "rs:d:", "rs:pg:", "rs:pgok:", "chk:q:",
    // /settings (bot/features/settings.feature.ts): the tapper's own promo opt-out.
    "set:promo:",
    // /settings → email (bot/features/email-settings*.ts): the tapper's own address and code.
    "em:",
    // /apikeys (bot/features/api-keys.feature.ts): the tapper's own API keys and webhook; resellers only, checked in shop/api.
    "ak:menu", "ak:new:", "ak:mk:", "ak:rv:", "ak:rvok:", "ak:whr", "ak:whrok", "ak:whx",
  ],
};

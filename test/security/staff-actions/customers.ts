/** Staff powers of customer lookup and customer actions (/customer): see ../staff-table.ts for what each row must give. */
import type { PrismaClient } from "../../../db/client.js";
import type { RecordedCall } from "../../support/bot-harness.js";
import { userRow } from "../../support/factories.js";
import { PEOPLE, type StaffBot } from "../support/staff-bot.js";
import type { StaffAction } from "../staff-table.js";
import { walletBalance } from "../../../shop/wallet/balance.js";

/** Each attempt acts on a customer of its own (a ban or a tier left behind must not touch the next row). */
let seq = 0;
async function target(prisma: PrismaClient) {
  seq += 1;
  return userRow(prisma, 9_411_000 + seq, `Sasaran ${seq}`);
}

/** A draft typed by the owner, waiting for its confirmation tap (what cu:wok: and cu:mok: act on). */
async function ownerDraft(prisma: PrismaClient, kind: "WALLET_ADJUSTMENT" | "MESSAGE") {
  const customer = await target(prisma);
  const owner = await userRow(prisma, PEOPLE.owner.id, PEOPLE.owner.first_name);
  const draft = await prisma.customerAction.create({
    data: { kind, customerId: customer.id, actorUserId: owner.id, amountIdr: kind === "WALLET_ADJUSTMENT" ? 5_000 : null, text: kind === "MESSAGE" ? "Halo dari toko" : "uji keamanan" },
  });
  return { customer, draft };
}

/** A reply only staff may see (not a refusal). */
const answered = (w: StaffBot, calls: RecordedCall[]) => calls.some((c) => (c.method === "sendMessage" || c.method === "editMessageText") && !w.refusals.has(String(c.payload.text ?? "")));

/** A screen about one customer: it names them. */
function viewRow(name: string, data: (customerId: number) => string, permission: StaffAction["permission"] = "customers.view"): StaffAction {
  return {
    name,
    kind: "callback",
    permission,
    arrange: async (w) => {
      const customer = await target(w.prisma);
      return { steps: [{ data: data(customer.id) }], tookEffect: async (calls) => answered(w, calls) && calls.some((c) => String(c.payload.text ?? "").includes(customer.firstName!)) };
    },
  };
}

/** A button that asks for text, then the text: its effect is a draft for the customer. */
function draftRow(name: string, permission: StaffAction["permission"], text: string): StaffAction {
  return {
    name,
    kind: "callback",
    permission,
    arrange: async (w) => {
      const customer = await target(w.prisma);
      return { steps: [{ data: `${name}${customer.id}` }, { text }], tookEffect: async () => (await w.prisma.customerAction.count({ where: { customerId: customer.id } })) > 0 };
    },
  };
}

export const CUSTOMER_ACTIONS: StaffAction[] = [
  {
    name: "/customer",
    kind: "command",
    permission: "customers.view",
    arrange: async (w) => {
      const customer = await target(w.prisma);
      return { steps: [{ text: `/customer ${customer.telegramId}` }], tookEffect: async (calls) => answered(w, calls) && calls.some((c) => String(c.payload.text ?? "").includes(customer.firstName!)) };
    },
  },
  viewRow("cu:v:", (id) => `cu:v:${id}`),
  viewRow("cu:l:", (id) => `cu:l:${id}:1`),
  viewRow("cu:t:", (id) => `cu:t:${id}`, "customers.manage"),
  {
    name: "cu:ban:",
    kind: "callback",
    permission: "customers.manage",
    arrange: async (w) => {
      const customer = await target(w.prisma);
      const banned = async () => (await w.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).bannedAt !== null;
      return { steps: [{ data: `cu:ban:${customer.id}` }, { text: "uji keamanan blokir" }], tookEffect: banned };
    },
  },
  {
    name: "cu:unb:",
    kind: "callback",
    permission: "customers.manage",
    arrange: async (w) => {
      const customer = await target(w.prisma);
      await w.prisma.user.update({ where: { id: customer.id }, data: { bannedAt: new Date(), banReason: "uji" } });
      const unbanned = async () => (await w.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).bannedAt === null;
      return { steps: [{ data: `cu:unb:${customer.id}` }, { text: "uji keamanan buka blokir" }], tookEffect: unbanned };
    },
  },
  {
    name: "cu:ts:",
    kind: "callback",
    permission: "customers.manage",
    arrange: async (w) => {
      const customer = await target(w.prisma);
      const tier = await w.prisma.resellerTier.create({ data: { code: `sec-${customer.id}`, name: `Uji ${customer.id}` } });
      const tierOf = async () => (await w.prisma.user.findUniqueOrThrow({ where: { id: customer.id } })).resellerTierId;
      return { steps: [{ data: `cu:ts:${customer.id}:${tier.id}` }], tookEffect: async () => (await tierOf()) === tier.id };
    },
  },
  draftRow("cu:w:", "wallet.adjust", "+5000 uji keamanan"),
  draftRow("cu:m:", "customers.manage", "Halo dari toko"),
  {
    name: "cu:wok:",
    kind: "callback",
    permission: "wallet.adjust",
    arrange: async (w) => {
      const { customer, draft } = await ownerDraft(w.prisma, "WALLET_ADJUSTMENT");
      return { steps: [{ data: `cu:wok:${draft.id}` }], tookEffect: async () => (await walletBalance(w.prisma, customer.id)) === 5_000 };
    },
  },
  {
    name: "cu:mok:",
    kind: "callback",
    permission: "customers.manage",
    arrange: async (w) => {
      const { draft } = await ownerDraft(w.prisma, "MESSAGE");
      const done = async () => (await w.prisma.customerAction.findUniqueOrThrow({ where: { id: draft.id } })).doneAt !== null;
      return { steps: [{ data: `cu:mok:${draft.id}` }], tookEffect: done };
    },
  },
];

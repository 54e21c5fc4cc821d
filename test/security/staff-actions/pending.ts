/** Staff powers of the pending queue (/pending): see ../staff-table.ts for what each row must give. */
import sharp from "sharp";
import type { PrismaClient } from "../../../db/client.js";
import { prepareProofImage, storeProof } from "../../../shop/payments/proofs/transfer-proofs.js";
import type { RecordedCall } from "../../support/bot-harness.js";
import { failedVpsOrder, openTransfer, paymentUnderReview, userRow } from "../../support/factories.js";
import { PEOPLE, type StaffBot } from "../support/staff-bot.js";
import type { StaffAction } from "../staff-table.js";

const customerId = async (prisma: PrismaClient) => (await userRow(prisma, PEOPLE.customer.id, PEOPLE.customer.first_name)).id;

/** Open transfers need distinct amounts; this module's own range, apart from the base table's. */
let uniqueCode = 600;

/** A transfer whose screenshot waits for a seller (what a pq:pf: card shows). */
async function transferWithProof(w: StaffBot) {
  uniqueCode += 1;
  const payment = await openTransfer(w.prisma, await customerId(w.prisma), { amountIdr: 55_000, uniqueCodeIdr: uniqueCode });
  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#33aa66" } }).jpeg().toBuffer();
  const prepared = await prepareProofImage(jpeg);
  if (!prepared.ok) throw new Error(`test image refused: ${prepared.reason}`);
  const proof = await storeProof(w.prisma, { key: w.config.encryptionKey, orderId: payment.orderId, userId: payment.order.userId, paymentId: payment.id, image: prepared.image });
  return { payment, proofId: proof.proofId };
}

/** A staff-only message naming the order (a list or a card), not a refusal. */
const shows = (w: StaffBot, calls: RecordedCall[], reference: string) =>
  calls.some((c) => (c.method === "sendMessage" || c.method === "editMessageText") && !w.refusals.has(String(c.payload.text ?? "")) && String(c.payload.text ?? "").includes(reference));

/** The queue's list (its title; older items of other rows may fill the first page). */
const showsList = (w: StaffBot, calls: RecordedCall[]) => {
  const title = w.core.i18n.t("id", "pend-title", { count: 0, page: 0, pages: 0 }).split(":")[0]!;
  return calls.some((c) => (c.method === "sendMessage" || c.method === "editMessageText") && String(c.payload.text ?? "").startsWith(title));
};

export const PENDING_ACTIONS: StaffAction[] = [
  {
    name: "/pending",
    kind: "command",
    permission: "payments.review",
    arrange: async (w) => {
      await transferWithProof(w);
      return { steps: [{ text: "/pending" }], tookEffect: async (calls) => showsList(w, calls) };
    },
  },
  {
    name: "pq:p:",
    kind: "callback",
    permission: "payments.review",
    arrange: async (w) => {
      await transferWithProof(w);
      return { steps: [{ data: "pq:p:0" }], tookEffect: async (calls) => showsList(w, calls) };
    },
  },
  {
    name: "pq:pf:",
    kind: "callback",
    permission: "payments.review",
    arrange: async (w) => {
      const { payment, proofId } = await transferWithProof(w);
      return { steps: [{ data: `pq:pf:${proofId}` }], tookEffect: async (calls) => shows(w, calls, payment.order.reference) };
    },
  },
  {
    name: "pq:rv:",
    kind: "callback",
    permission: "payments.review",
    arrange: async (w) => {
      uniqueCode += 1;
      const payment = await paymentUnderReview(w.prisma, await customerId(w.prisma), { amountIdr: 55_000, uniqueCodeIdr: uniqueCode });
      return { steps: [{ data: `pq:rv:${payment.id}` }], tookEffect: async (calls) => shows(w, calls, payment.order.reference) };
    },
  },
  {
    name: "pq:pv:",
    kind: "callback",
    permission: "provisioning.retry",
    arrange: async (w) => {
      const order = await failedVpsOrder(w.prisma, await customerId(w.prisma));
      return { steps: [{ data: `pq:pv:${order.id}` }], tookEffect: async (calls) => shows(w, calls, order.reference) };
    },
  },
];

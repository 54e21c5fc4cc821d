/** Chat helpers shared by the reseller and checkout tests: send an update, see what the bot showed, walk to the summary, fund a wallet. */
import type { Update } from "grammy/types";
import type { PrismaClient } from "../../db/client.js";
import { postLedger, walletAccount } from "../../shop/wallet/ledger.js";
import { updates, type RecordedCall, type TestUser } from "../support/bot-harness.js";

interface Harness {
  bot: { handleUpdate(update: Update): Promise<void> };
  calls: RecordedCall[];
}

const SENDS = ["sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption", "editMessageReplyMarkup"];
const textOf = (c: RecordedCall | undefined) => String(c?.payload.text ?? "");

/** The id the recording fetch gave the last message the bot sent (it numbers new messages from 1001). */
export const lastSentId = (h: Harness) => 1000 + h.calls.filter((c) => SENDS.includes(c.method) && typeof c.payload.message_id !== "number").length;

/** Handles one update; returns the texts shown (sent or edited), the last such call, every call and the callback answer. */
export async function send(h: Harness, update: Update) {
  const from = h.calls.length;
  await h.bot.handleUpdate(update);
  const calls = h.calls.slice(from);
  const shown = calls.filter((c) => c.method === "sendMessage" || c.method === "editMessageText");
  return { text: shown.map(textOf).join("\n"), last: shown.at(-1), calls, alert: calls.find((c) => c.method === "answerCallbackQuery")?.payload };
}

/**
 * Catalog → plan `planCode` → 1 month → the provider's first active image → no coupon, in message
 * `msg`: the summary as `send` returns it, and the plan.
 */
export async function toSummary(h: Harness & { prisma: PrismaClient }, user: TestUser, msg: number, planCode: string) {
  const plan = await h.prisma.plan.findUniqueOrThrow({ where: { code: planCode } });
  const image = await h.prisma.osImage.findFirstOrThrow({ where: { providerId: plan.providerId, active: true } });
  await h.bot.handleUpdate(updates.callback(user, `cat:plan:${plan.id}:0`, msg));
  await h.bot.handleUpdate(updates.callback(user, `cat:dur:${plan.id}:1`, msg));
  await h.bot.handleUpdate(updates.callback(user, `cat:img:${plan.id}:1:${image.id}`, msg));
  return { summary: await send(h, updates.callback(user, "chk:skip", msg)), plan };
}

/** Puts `amountIdr` on a customer's balance (a ledger adjustment, as a seller's would be). */
export async function fundWallet(prisma: PrismaClient, userId: number, amountIdr: number, key: string) {
  await prisma.$transaction((tx) =>
    postLedger(tx, {
      kind: "ADJUSTMENT",
      idempotencyKey: key,
      entries: [
        { account: "adjustments", amountIdr: -amountIdr },
        { account: walletAccount(userId), userId, amountIdr },
      ],
    }),
  );
}

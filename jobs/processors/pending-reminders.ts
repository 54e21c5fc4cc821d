import type { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import { formatIdr } from "../../shop/money.js";
import { DEFAULT_LOCALE, isLocale } from "../../shop/messages/locale.js";
import { permissionFor, ageOf, type PendingItem } from "../../shop/pending/items.js";
import { cardsToCatchUp, claimDueReminders, pruneReminders } from "../../shop/pending/reminders.js";
import { configRoster, staffChatIds } from "../../shop/users/staff.js";
import { queueCardEdits } from "../card-edits.js";
import { QueueName, jobId, type Queues } from "../queues.js";

export interface PendingReminderSettings {
  remindAfterMs: number;
  remindEveryMs: number;
  staff: { ownerIds: number[]; sellerIds: number[] };
}

/** The reminder's button opens /pending's first page (bot/features/pending.feature.ts, pq:p:<page>). */
const FIRST_PAGE = 0;
/** Lines of one reminder message at most (the rest is in /pending). */
const MAX_LINES = 15;

/**
 * The pending queue's scheduled pass: each staff member on duty (holding the permission an
 * overdue item needs) gets one message listing the items newly due for a reminder, with a button
 * to the queue; then card copies an edit never reached are caught up. The reminder slots are
 * claimed in Postgres first (shop/pending/reminders.ts); each message's job id names the tick
 * and the chat, so a retried run queues nothing twice.
 */
export async function runPendingReminders(deps: { prisma: PrismaClient; queues: Queues; i18n: I18n<Context> } & PendingReminderSettings, tick: string) {
  const due = await claimDueReminders(deps.prisma, deps);
  const roster = configRoster(deps.staff);
  const perChat = new Map<number, PendingItem[]>();
  for (const permission of ["payments.review", "provisioning.retry"] as const) {
    const items = due.filter((i) => permissionFor(i.kind) === permission);
    if (items.length === 0) continue;
    for (const chatId of await staffChatIds(deps.prisma, roster, permission)) perChat.set(chatId, [...(perChat.get(chatId) ?? []), ...items]);
  }
  for (const [chatId, items] of perChat) {
    const user = await deps.prisma.user.findUnique({ where: { telegramId: BigInt(chatId) }, select: { language: true } });
    const locale = isLocale(user?.language) ? user.language : DEFAULT_LOCALE;
    const lines = items.slice(0, MAX_LINES).map((item, i) => {
      const age = ageOf(item.since);
      return deps.i18n.t(locale, "pend-line", {
        n: i + 1,
        icon: deps.i18n.t(locale, `pend-kind-${item.kind}`),
        reference: item.reference,
        amount: formatIdr(item.receivedIdr ?? item.expectedIdr),
        age: deps.i18n.t(locale, "pend-age", { value: age.value, unit: age.unit }),
        flag: item.deadlineNear ? deps.i18n.t(locale, "pend-flag-deadline") : "",
      });
    });
    await deps.queues.enqueue(
      QueueName.Notifications,
      {
        chatId,
        locale,
        key: "pend-remind",
        params: { count: items.length, minutes: Math.round(deps.remindAfterMs / 60_000), lines: lines.join("\n") },
        buttons: [[{ text: "t:pend-open-queue", data: `pq:p:${FIRST_PAGE}` }]],
      },
      { jobId: jobId("pend-remind", tick, chatId) },
    );
  }
  const catchUp = await cardsToCatchUp(deps.prisma);
  await queueCardEdits(deps.queues, catchUp, tick);
  await pruneReminders(deps.prisma);
  return { reminded: due.map((i) => i.key), chats: perChat.size, cardEdits: catchUp.length };
}

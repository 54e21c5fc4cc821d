import type { Api } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import { isLeaseHeld, withLease } from "../leases.js";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../messages/locale.js";
import { createTelegramApi, isPermanentTelegramError } from "../messages/telegram-api.js";
import type { Config } from "../platform/config.js";
import type { Logger } from "../platform/logger.js";
import { staffChatIds, type StaffRoster } from "../users/staff.js";
import { muteKeyboard, renderNotice, type Translator } from "./render.js";
import type { NoticeBody, NoticeEvent } from "./store.js";

export interface DeliveryDeps {
  prisma: PrismaClient;
  roster: StaffRoster;
  /** The shop bot's client. */
  api: Api;
  /** ALERT_BOT_TOKEN's client: tried first; the shop bot takes over when it fails. */
  alertApi?: Api;
  i18n: Translator;
  logger: Logger;
}

/** Per owner: the message sent (and by which bot), or why nobody will ever reach them. */
type SentTo = Record<string, { messageId?: number; via?: "alert" | "shop"; refused?: string }>;

export class AlertNotDeliveredError extends Error {
  constructor(noticeId: number, missing: number[]) {
    super(`owner alert notice ${noticeId} not delivered yet to ${missing.length} owner(s); retrying`);
    this.name = "AlertNotDeliveredError";
  }
}

/**
 * Sends one decided notice to every owner holding `alerts.receive` now (a blocked owner gets
 * nothing), through the alert bot when configured, else (or when it fails) the shop bot. Each
 * owner's message is recorded as it is sent, so a retry reaches only those still missing.
 * Throws while an owner is missing for a reason that may pass (the queue retries).
 */
export async function deliverNotice(deps: DeliveryDeps, noticeId: number): Promise<{ delivered: number; skipped?: string }> {
  return withLease(deps.prisma, `alert-notice:${noticeId}`, 60_000, async () => {
    const notice = await deps.prisma.ownerAlertNotice.findUnique({ where: { id: noticeId } });
    if (!notice) return { delivered: 0, skipped: "no such notice" };
    if (notice.deliveredAt) return { delivered: 0, skipped: "already delivered" };
    const sentTo = { ...(notice.sentTo as SentTo) };
    const body = notice.body as unknown as NoticeBody;
    const event = notice.event as NoticeEvent;
    const owners = await staffChatIds(deps.prisma, deps.roster, "alerts.receive");
    if (owners.length === 0) deps.logger.warn({ noticeId }, "owner alert: nobody holds alerts.receive (OWNER_IDS empty?)");
    const languages = await deps.prisma.user.findMany({ where: { telegramId: { in: owners.map(BigInt) } }, select: { telegramId: true, language: true } });
    const localeOf = new Map(languages.map((u) => [Number(u.telegramId), isLocale(u.language) ? u.language : DEFAULT_LOCALE]));
    const missing: number[] = [];
    let delivered = 0;
    for (const chatId of owners) {
      if (sentTo[chatId]) continue;
      const locale: Locale = localeOf.get(chatId) ?? DEFAULT_LOCALE;
      const text = renderNotice(deps.i18n, locale, event, body);
      const buttons = body.alertId && (event === "raised" || event === "reminder") ? { reply_markup: muteKeyboard(deps.i18n, locale, body.alertId) } : {};
      const result = await sendVia(deps, chatId, text, buttons);
      if (result.sent || result.refused) {
        sentTo[chatId] = result.sent ?? { refused: result.refused };
        await deps.prisma.$executeRaw`
          UPDATE owner_alert_notices SET sent_to = sent_to || ${JSON.stringify({ [chatId]: sentTo[chatId] })}::jsonb WHERE id = ${noticeId}`;
        if (result.sent) delivered++;
      } else missing.push(chatId);
    }
    if (missing.length > 0) throw new AlertNotDeliveredError(noticeId, missing);
    await deps.prisma.ownerAlertNotice.update({ where: { id: noticeId }, data: { deliveredAt: new Date() } });
    return { delivered };
  });
}

async function sendVia(
  deps: DeliveryDeps,
  chatId: number,
  text: string,
  extra: { reply_markup?: ReturnType<typeof muteKeyboard> },
): Promise<{ sent?: { messageId: number; via: "alert" | "shop" }; refused?: string }> {
  let refusedByAlertBot: string | undefined;
  if (deps.alertApi) {
    try {
      const m = await deps.alertApi.sendMessage(chatId, text, extra);
      return { sent: { messageId: m.message_id, via: "alert" } };
    } catch (err) {
      // An owner who never opened the alert bot may still have the shop bot: fall back, never give up here.
      if (isPermanentTelegramError(err)) refusedByAlertBot = (err as Error).message;
      deps.logger.warn({ err, chatId }, "alert bot could not deliver; trying the shop bot");
    }
  }
  try {
    const m = await deps.api.sendMessage(chatId, text, extra);
    return { sent: { messageId: m.message_id, via: "shop" } };
  } catch (err) {
    deps.logger.warn({ err, chatId }, "owner alert not delivered to this owner");
    if (isPermanentTelegramError(err) && (!deps.alertApi || refusedByAlertBot)) return { refused: (err as Error).message.slice(0, 200) };
    return {};
  }
}

/** Notices not delivered a while after they were decided (queue lost them, Redis down): the runner sends them itself. */
export async function undeliveredNotices(prisma: PrismaClient, olderThanMs: number): Promise<number[]> {
  const rows = await prisma.$queryRaw<{ id: number }[]>`
    SELECT id FROM owner_alert_notices WHERE delivered_at IS NULL
      AND created_at < now() - ${olderThanMs} * interval '1 millisecond' AND created_at > now() - interval '1 day'
    ORDER BY id LIMIT 50`;
  const out: number[] = [];
  for (const r of rows) if (!(await isLeaseHeld(prisma, `alert-notice:${r.id}`))) out.push(r.id);
  return out;
}

/** The second bot's client (ALERT_BOT_TOKEN), with the workers' retry policy; undefined when unset. */
export function createAlertApi(config: Config): Api | undefined {
  const token = config.alerts.botToken;
  return token ? createTelegramApi({ ...config, telegram: { ...config.telegram, token } }) : undefined;
}

import type { Middleware } from "grammy";
import { maintenanceState, type MaintenanceState } from "../../shop/maintenance/index.js";
import { withTimeout } from "../../shop/maintenance/timeout.js";
import { DEFAULT_LOCALE, type Locale } from "../../shop/messages/locale.js";
import { configRoster, holdsStaffPower } from "../../shop/users/staff.js";
import type { BotContext } from "../context.js";

/**
 * What customers read when the database cannot be reached. A constant in both languages on
 * purpose: saying it must need neither Postgres (the user's language lives there) nor anything
 * else that may be down with it.
 */
export const DATABASE_DOWN_TEXT =
  "🛠 Toko sedang dalam pemeliharaan singkat. Silakan coba lagi beberapa menit lagi.\n🛠 The shop is under maintenance. Please try again in a few minutes.";

/** How long one failed database read makes every update answer the static text without asking again. */
const DOWN_MEMORY_MS = 3_000;
/** A state read or probe slower than this counts as "database unreachable". */
const PROBE_TIMEOUT_MS = 2_000;

/** The user's language without asking Postgres: the last one this process saw, else Telegram's hint. */
function localeOf(ctx: BotContext): Locale {
  const remembered = ctx.deps.locales.get(ctx.from?.id);
  if (remembered !== DEFAULT_LOCALE) return remembered;
  return ctx.from?.language_code?.startsWith("en") ? "en" : DEFAULT_LOCALE;
}

async function answer(ctx: BotContext, text: string): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true });
  else if (ctx.chat?.type === "private" && ctx.message) await ctx.reply(text);
}

/**
 * Maintenance for customers, in front of everything that reads the database:
 * - while the owner's GLOBAL switch is on, a customer gets the owner's message and nothing
 *   else happens (no session, no order, no button handler);
 * - while Postgres cannot be reached (the state read fails, or an update fails and a probe
 *   finds the database gone), a customer gets DATABASE_DOWN_TEXT instead of an error.
 * Owners (OWNER_IDS: the config, no database needed) pass through; other staff (SELLER_IDS
 * and members the chat added, unless the chat removed them) pass the switch after one read. Payment
 * webhooks never come here, so they keep settling in every mode.
 */
export function maintenanceGate(config: { ownerIds: number[]; sellerIds: number[] }): Middleware<BotContext> {
  const roster = configRoster(config);
  let downUntil = 0;
  const databaseDown = async (ctx: BotContext, err: unknown): Promise<void> => {
    downUntil = Date.now() + DOWN_MEMORY_MS;
    ctx.deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "database unreachable: customers get the maintenance answer");
    await answer(ctx, DATABASE_DOWN_TEXT);
  };

  return async (ctx, next) => {
    if (!ctx.from || ctx.from.is_bot || roster.roleOf(ctx.from.id) === "OWNER") return next();
    if (Date.now() < downUntil) return answer(ctx, DATABASE_DOWN_TEXT);
    let state: MaintenanceState;
    try {
      state = await withTimeout(maintenanceState(ctx.deps.prisma), PROBE_TIMEOUT_MS);
    } catch (err) {
      return databaseDown(ctx, err);
    }
    // Staff keep working while the shop is closed: one read (config and the chat's grants; a seller
    // the chat removed is a customer again), only while the switch is on.
    const { id } = ctx.from;
    if (state.global && !(await withTimeout(holdsStaffPower(ctx.deps.prisma, roster, id), PROBE_TIMEOUT_MS).catch(() => false))) {
      const locale = localeOf(ctx);
      const message = state.global.message ?? ctx.deps.i18n.t(locale, "maintenance-default-message");
      return answer(ctx, ctx.deps.i18n.t(locale, "maintenance-customer", { message }));
    }
    try {
      await next();
    } catch (err) {
      // Only a database that is really gone turns an error into the maintenance answer.
      const alive = await withTimeout(ctx.deps.prisma.$queryRaw`SELECT 1`, PROBE_TIMEOUT_MS).then(
        () => true,
        () => false,
      );
      if (alive) throw err;
      await databaseDown(ctx, err);
    }
  };
}

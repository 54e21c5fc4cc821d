/**
 * The real bot (every middleware, real Postgres, real Redis, real queues with no worker behind
 * them) with a recording wire instead of Telegram, and the people who try staff powers on it:
 * the owner (the control: every action must work for them, else the table proves nothing), a
 * customer, a seller removed from SELLER_IDS whose row and cached copy still say SELLER, and a
 * seller still listed but blocked whose cached copy still says "not blocked". `plant()` puts
 * each of them back in that worst case before every attempt.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ShopUser } from "../../../shop/users/directory.js";
import { PERMISSIONS } from "../../../shop/users/staff.js";
import { updates, type RecordedCall, type TestUser } from "../../support/bot-harness.js";
import { createBotHarness } from "../../support/service.js";

export type ActorName = "owner" | "customer" | "removed seller" | "blocked seller";

export const PEOPLE: Record<ActorName, TestUser> = {
  owner: { id: 9_410_001, first_name: "Pemilik" },
  customer: { id: 9_410_010, first_name: "Pembeli" },
  "removed seller": { id: 9_410_020, first_name: "Mantan" },
  "blocked seller": { id: 9_410_030, first_name: "Diblokir" },
};

/** The i18n keys a refused person may see; anything else in their chat counts as a leak. */
const REFUSAL_KEYS = [
  "review-only-staff", "hold-only-owner", "stale-button", "unknown-input", "blocked-user",
  "alert-mute-refused", "backup-owner-only", "maintenance-not-allowed",
  // A customer's /cancel (the /restore row's second step) is answered as for anyone; nothing staff-only.
  "cancelled", "nothing-to-cancel",
] as const;

export type StaffBot = Awaited<ReturnType<typeof startStaffBot>>;

/** A bot whose config lists the owner and the blocked seller only. */
export async function startStaffBot() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "vpsbot-sec-"));
  const h = await createBotHarness({
    OWNER_IDS: String(PEOPLE.owner.id),
    SELLER_IDS: String(PEOPLE["blocked seller"].id),
    DATA_DIR: dataDir,
    // The table taps far faster than a person: the anti-spam limit is not under test here.
    BOT_RATE_LIMIT_PER_10S: "100000",
  });
  const { bot, calls, core, config, db } = h;
  const refusals = new Set(REFUSAL_KEYS.flatMap((key) => [core.i18n.t("id", key), core.i18n.t("en", key)]));

  /** Puts an actor in the worst case for the check: stored role and cached copy both stale. */
  async function plant(actor: ActorName): Promise<void> {
    const person = PEOPLE[actor];
    const role = actor === "owner" ? "OWNER" : actor === "customer" ? "CUSTOMER" : "SELLER";
    const blocked = actor === "blocked seller";
    const row = await db.prisma.user.upsert({
      where: { telegramId: BigInt(person.id) },
      create: { telegramId: BigInt(person.id), firstName: person.first_name, role, blocked },
      update: { role, blocked },
    });
    await core.users.forget(person.id);
    if (actor === "removed seller" || actor === "blocked seller") {
      // What the cache held before the config changed / before the owner blocked them: every
      // permission, so each row's refusal comes from the fresh check, not from the stale copy.
      const stale: ShopUser = {
        id: row.id,
        telegramId: person.id,
        role: "SELLER",
        language: "id",
        blocked: false,
        firstName: person.first_name,
        resellerTierId: null,
        permissions: [...PERMISSIONS],
        staffRole: "manager",
      };
      await core.redis.set(`${config.queuePrefix}:user:${person.id}`, JSON.stringify(stale), "EX", 300);
    }
  }

  /** Sends one step (a text/command or a button tap) and returns the calls the bot made for it. */
  async function send(actor: ActorName, step: Step): Promise<RecordedCall[]> {
    const from = calls.length;
    const person = PEOPLE[actor];
    await bot.handleUpdate("data" in step ? updates.callback(person, step.data) : updates.text(person, step.text));
    return calls.slice(from);
  }

  return {
    db,
    prisma: db.prisma,
    core,
    config,
    calls,
    refusals,
    people: PEOPLE,
    plant,
    send,
    async close() {
      await h.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Step = { text: string } | { data: string };

/** What a person saw of the bot: message texts, captions, photos/documents and callback answers. */
export function chatOutput(calls: RecordedCall[]): Array<{ method: string; text: string }> {
  const shown = ["sendMessage", "editMessageText", "sendPhoto", "sendDocument", "editMessageCaption", "answerCallbackQuery", "editMessageReplyMarkup", "copyMessage", "forwardMessage"];
  return calls
    .filter((c) => shown.includes(c.method))
    .map((c) => ({ method: c.method, text: String(c.payload.text ?? c.payload.caption ?? "") }))
    .filter((o) => !(o.method === "answerCallbackQuery" && o.text === ""));
}

import type { Conversation } from "@grammyjs/conversations";
import { Composer, type Middleware } from "grammy";
import type { Message } from "grammy/types";
import { audit } from "../../shop/audit.js";
import {
  checkSecretKey,
  closeInbox,
  discardInboxes,
  inboxRecipient,
  looksLikeSecretKey,
  openInbox,
  receiveFile,
  restoreFromInbox,
  SecretKeyVault,
  type FileVerdict,
  type InboxState,
} from "../../shop/backup/chat-restore.js";
import { formatBytes } from "../../shop/backup/drill-report.js";
import { setMaintenance } from "../../shop/maintenance/index.js";
import { escapeHtml, formatDateTime } from "../../shop/messages/format.js";
import { isLocale, type Locale } from "../../shop/messages/locale.js";
import { createTelegramApi } from "../../shop/messages/telegram-api.js";
import { can } from "../../shop/users/staff.js";
import type { BotContext, BotDeps, ConvContext } from "../context.js";
import { allowedTo } from "../middlewares/permission.filter.js";
import { pinChat, unpinChat } from "../inbox.js";

export const RESTORE_CONVERSATION = "restore";

/** How long each step waits for the owner; an answer after that ends the flow with nothing changed. */
export const RESTORE_FILES_IDLE_MS = 30 * 60_000;
export const RESTORE_KEY_TIMEOUT_MS = 10 * 60_000;
export const RESTORE_CONFIRM_TIMEOUT_MS = 10 * 60_000;
/** Bounds the stored replay log (every forwarded file is one entry). */
const MAX_FILE_MESSAGES = 300;
const MAX_KEY_ATTEMPTS = 5;
const MAX_CONFIRM_ATTEMPTS = 3;

/** What the conversation sees instead of the pasted key (the real text never reaches its stored state). */
export const KEY_PLACEHOLDER = "\u2063[backup secret key]";

/**
 * The pasted keys, in this process's memory only (the bot process runs both the intake and the
 * flow; with several bot processes the restore pins its chat to this one: bot/inbox.ts pinChat).
 */
const vault = new SecretKeyVault(RESTORE_KEY_TIMEOUT_MS + RESTORE_CONFIRM_TIMEOUT_MS);

const awaitingKey = (deps: BotDeps, chatId: number) => `${deps.config.queuePrefix}:restore-key:${chatId}`;

/** What customers read while the shop is being restored. */
const MAINTENANCE_TEXT =
  "🛠 Toko sedang dipulihkan dari backup dan akan kembali sebentar lagi.\n🛠 The shop is being restored from a backup and will be back shortly.";

/**
 * In front of the conversations (bot/index.ts installs it before them), for staff who may restore:
 * - while the restore flow waits for the secret key, any text is taken as the key attempt: the
 *   message is deleted from the chat at once, the key goes to the in-memory vault, and the update
 *   goes on with a placeholder instead of the text, so the conversation's stored state (Redis)
 *   never holds it;
 * - a key pasted when nobody asked for it is deleted too, with a warning;
 * - a command ends any restore flow (the start feature exits conversations on commands), so
 *   its key and downloaded files are dropped here.
 */
export const restoreKeyIntake: Middleware<BotContext> = async (ctx, next) => {
  const message = ctx.message ?? ctx.editedMessage;
  if (!message || ctx.chat?.type !== "private" || !ctx.from || !can(ctx.shopUser, "backups.restore")) return next();
  const chatId = ctx.chat.id;
  const text = message.text;
  if (text?.startsWith("/")) {
    vault.clear(chatId);
    await ctx.deps.redis.del(awaitingKey(ctx.deps, chatId));
    await discardInboxes(ctx.deps.config, chatId);
    await unpinChat(ctx.deps.prisma, chatId);
    return next();
  }
  if (text === undefined) return next();
  const expecting = ctx.message !== undefined && (await ctx.deps.redis.exists(awaitingKey(ctx.deps, chatId))) === 1;
  if (!expecting && !looksLikeSecretKey(text)) return next();
  await ctx.api.deleteMessage(chatId, message.message_id).catch((err: unknown) => ctx.logger.warn({ err }, "could not delete the pasted key message"));
  const sanitized = message as Message;
  sanitized.text = KEY_PLACEHOLDER;
  delete sanitized.entities;
  if (!expecting) {
    await ctx.reply(ctx.t("restore-key-unasked"));
    return;
  }
  vault.put(chatId, text);
  return next();
};

type T = (key: string, vars?: Record<string, string | number>) => string;

/** The owner's answer to one forwarded file: what it was, what is still missing. */
function describe(t: T, verdict: FileVerdict, state: InboxState): string {
  const head = (() => {
    switch (verdict.kind) {
      case "manifest":
        return t("restore-file-manifest", { backupId: verdict.backupId, parts: state.expected.length });
      case "part":
        return t("restore-file-part-ok", { name: verdict.name });
      case "unchecked":
        return t("restore-file-part-unchecked", { name: verdict.name });
      case "altered":
        return t("restore-file-altered", { name: verdict.name, expected: verdict.expected, got: verdict.got });
      case "foreign":
        return t("restore-file-foreign", { name: verdict.name, backupId: verdict.backupId });
      case "not-backup":
        return t("restore-file-not-backup", { name: verdict.name });
      case "too-big":
        return t("restore-file-too-big", { name: verdict.name, size: formatBytes(verdict.bytes) });
      case "unavailable":
        return t("restore-file-unavailable", { name: verdict.name, reason: verdict.reason });
    }
  })();
  return `${head}\n${progressLine(t, state)}`;
}

function progressLine(t: T, state: InboxState): string {
  if (!state.backupId) return t("restore-need-manifest", { received: state.unchecked.length });
  if (state.complete) return t("restore-files-complete", { parts: state.expected.length });
  const shown = state.missing.slice(0, 20).join(", ");
  return t("restore-files-missing", { have: state.verified.length, parts: state.expected.length, missing: state.missing.length > 20 ? `${shown}, …` : shown });
}

/**
 * `/restore`: the owner forwards the manifest and parts → each is fetched and checked as it
 * arrives → the secret key is pasted (deleted at once, held in memory only) → the typed
 * confirmation `RESTORE <backup-id>` → maintenance on, a fresh backup of the data about to be
 * replaced, the restore into DATABASE_URL and DATA_DIR, the comparison, maintenance off.
 *
 * Nothing changes before the confirmation; after it there is no wait, so no /cancel, timeout or
 * abandoned chat can leave the shop in maintenance. The permission is checked again at every
 * step, and every step is audited (the trail is written again after the restore, into the
 * database the restore brought back).
 */
export function restoreConversation(deps: BotDeps) {
  return async function restore(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext): Promise<void> {
    const from = ctx.from!;
    const chatId = ctx.chat!.id;
    const user = await conversation.external(() => deps.users.resolve(from));
    const locale: Locale = isLocale(user.language) ? user.language : "id";
    const t: T = (key, vars) => deps.i18n.t(locale, key, vars);
    /** The permission as Postgres has it now; the shop user id, or null when it was taken away. */
    const permitted = () =>
      conversation.external(async () => {
        const now = await deps.users.fresh(from);
        return can(now, "backups.restore") ? now.id : null;
      });
    const trail: Array<Record<string, string | number | boolean>> = [];
    const note = async (step: string, details: Record<string, string | number | boolean> = {}) => {
      trail.push({ step, ...details });
      await conversation.external(() =>
        audit(deps.prisma, { actorUserId: user.id, actorType: "OWNER", action: `backup.restore.${step}`, targetType: "backup", targetId: String(details.backupId ?? "-"), details }),
      );
    };

    if ((await permitted()) === null) {
      await ctx.reply(t("restore-not-allowed"));
      return;
    }
    // The pasted key (memory) and the forwarded parts (this host's disk) live in this process only:
    // with several bot processes, this chat's next updates must come here too.
    await conversation.external(() => pinChat(deps.prisma, chatId));
    const inbox = await conversation.external(() => openInbox(deps.config, chatId));
    const cleanup = () =>
      conversation.external(async () => {
        vault.clear(chatId);
        await deps.redis.del(awaitingKey(deps, chatId));
        await closeInbox(inbox);
        await unpinChat(deps.prisma, chatId);
      });
    const idleSince = async (since: number, limitMs: number) => (await conversation.now()) - since > limitMs;
    const endWith = async (answer: ConvContext, key: string, step: string): Promise<never> => {
      await note(step);
      await cleanup();
      await answer.reply(t(key));
      return conversation.halt({ next: step === "timeout" });
    };
    await note("start");
    await ctx.reply(t("restore-intro"));

    // 1. The manifest and the parts, checked one by one as they arrive.
    let state: InboxState = { expected: [], verified: [], missing: [], unchecked: [], complete: false };
    for (let seen = 0; !state.complete; seen++) {
      const asked = await conversation.now();
      const u = await conversation.wait();
      if (await idleSince(asked, RESTORE_FILES_IDLE_MS)) await endWith(u, "restore-timeout", "timeout");
      if (seen >= MAX_FILE_MESSAGES) await endWith(u, "restore-too-many", "too-many-messages");
      const doc = u.message?.document;
      if (!doc) {
        // Another screen's button: not part of this flow, handle it as usual and keep waiting.
        if (u.callbackQuery) await conversation.skip({ next: true });
        await u.reply(`${t("restore-send-documents")}\n${progressLine(t, state)}`);
        continue;
      }
      if ((await permitted()) === null) await endWith(u, "restore-not-allowed", "refused");
      const got = await conversation.external(() =>
        receiveFile({ api: createTelegramApi(deps.config), config: deps.config }, inbox, { fileId: doc.file_id, ...(doc.file_name ? { fileName: doc.file_name } : {}), ...(doc.file_size ? { fileSize: doc.file_size } : {}) }),
      );
      state = got.state;
      await note("file", { name: got.verdict.name.slice(0, 120), verdict: got.verdict.kind, ...(state.backupId ? { backupId: state.backupId } : {}) });
      await u.reply(describe(t, got.verdict, state));
    }
    const backupId = state.backupId!;

    // 2. The secret key: deleted from the chat by restoreKeyIntake before this flow sees it.
    const recipient = await conversation.external(async () => {
      await deps.redis.set(awaitingKey(deps, chatId), "1", "PX", RESTORE_KEY_TIMEOUT_MS);
      return (await inboxRecipient(inbox)) ?? "?";
    });
    await ctx.reply(t("restore-ask-key", { backupId, fingerprint: recipient }));
    for (let attempt = 1; ; attempt++) {
      const asked = await conversation.now();
      const u = await conversation.wait();
      if (await idleSince(asked, RESTORE_KEY_TIMEOUT_MS)) await endWith(u, "restore-timeout", "timeout");
      if (u.message?.text !== KEY_PLACEHOLDER) {
        if (u.callbackQuery) await conversation.skip({ next: true });
        await u.reply(t("restore-key-as-text"));
        continue;
      }
      if ((await permitted()) === null) await endWith(u, "restore-not-allowed", "refused");
      const check = await conversation.external(async () => {
        const raw = vault.peek(chatId);
        const result = raw === undefined ? ({ ok: false, reason: "malformed" } as const) : await checkSecretKey(inbox, raw);
        if (!result.ok) vault.clear(chatId);
        return result;
      });
      if (check.ok) break;
      await note("key-refused", { backupId, reason: check.reason });
      if (attempt >= MAX_KEY_ATTEMPTS) await endWith(u, "restore-key-gave-up", "key-gave-up");
      await u.reply(t(check.reason === "malformed" ? "restore-key-malformed" : "restore-key-wrong", { fingerprint: recipient }));
    }
    await conversation.external(() => deps.redis.del(awaitingKey(deps, chatId)));
    await note("key-accepted", { backupId, recipient });

    // 3. The typed confirmation. Nothing has changed so far.
    const phrase = `RESTORE ${backupId}`;
    await ctx.reply(t("restore-confirm", { backupId, createdAt: state.createdAt ? formatDateTime(state.createdAt, locale) : "?", phrase }), { parse_mode: "HTML" });
    for (let attempt = 1; ; attempt++) {
      const asked = await conversation.now();
      const u = await conversation.wait();
      if (await idleSince(asked, RESTORE_CONFIRM_TIMEOUT_MS)) await endWith(u, "restore-timeout", "timeout");
      if (u.callbackQuery) await conversation.skip({ next: true });
      if ((await permitted()) === null) await endWith(u, "restore-not-allowed", "refused");
      if (u.message?.text?.trim() === phrase) break;
      await note("confirm-refused", { backupId });
      if (attempt >= MAX_CONFIRM_ATTEMPTS) await endWith(u, "restore-confirm-gave-up", "confirm-gave-up");
      await u.reply(t("restore-confirm-mismatch", { phrase }), { parse_mode: "HTML" });
    }
    await note("confirmed", { backupId });

    // 4. No more waits from here on: maintenance on, fresh backup, restore, maintenance off.
    await ctx.reply(t("restore-step-maintenance"));
    await conversation.external(() => setMaintenance(deps.prisma, { on: true, message: MAINTENANCE_TEXT, actor: { userId: user.id, actorType: "OWNER" } }));
    await ctx.reply(t("restore-step-backup"));
    const pre = await conversation.external(async () => {
      try {
        const { runBackup } = await import("../../shop/backup/index.js");
        const r = await runBackup({ prisma: deps.prisma, config: deps.config, api: createTelegramApi(deps.config), logger: deps.logger, trigger: "pre-restore", requestedBy: from.id });
        return { ok: true as const, backupId: r.backupId };
      } catch (err) {
        return { ok: false as const, error: err instanceof Error ? err.message : String(err) };
      }
    });
    let outcome: { ok: boolean; text: string } | { ok: false; error: string };
    if (pre.ok) {
      await note("pre-restore-backup", { backupId, preRestoreBackupId: pre.backupId });
      await ctx.reply(t("restore-step-restoring", { backupId }));
      outcome = await conversation.external(async () => {
        const raw = vault.peek(chatId);
        vault.clear(chatId);
        if (raw === undefined) return { ok: false as const, error: t("restore-key-expired") };
        try {
          const r = await restoreFromInbox(deps, inbox, raw);
          return { ok: r.ok, text: r.text };
        } catch (err) {
          return { ok: false as const, error: err instanceof Error ? err.message : String(err) };
        }
      });
    } else {
      outcome = { ok: false, error: t("restore-pre-backup-failed", { error: pre.error }) };
    }
    // The database may be the restored one now: the owner's row and every write below go there.
    await conversation.external(async () => {
      const owner = await deps.users.fresh(from);
      await setMaintenance(deps.prisma, { on: false, actor: { userId: owner.id, actorType: "OWNER" } });
      await audit(deps.prisma, {
        actorUserId: owner.id,
        actorType: "OWNER",
        action: outcome.ok ? "backup.restore.done" : "backup.restore.failed",
        targetType: "backup",
        targetId: backupId,
        details: { trail, ok: outcome.ok, ...(pre.ok ? { preRestoreBackupId: pre.backupId } : {}), ...("error" in outcome ? { error: outcome.error.slice(0, 500) } : {}) },
      });
    });
    await cleanup();
    if ("error" in outcome) await ctx.reply(t("restore-failed", { error: escapeHtml(outcome.error.slice(0, 1500)), preBackupId: pre.ok ? pre.backupId : "-" }), { parse_mode: "HTML" });
    else await ctx.reply(t(outcome.ok ? "restore-done" : "restore-mismatch", { backupId, preBackupId: pre.ok ? pre.backupId : "-", comparison: escapeHtml(outcome.text.slice(0, 3000)) }), { parse_mode: "HTML" });
  };
}

/** `/restore` for staff who may restore; everyone else is told it is the owner's. */
export const restoreFeature = new Composer<BotContext>();

restoreFeature
  .chatType("private")
  .filter(allowedTo("backups.restore"))
  .command("restore", async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(RESTORE_CONVERSATION);
  });

restoreFeature.chatType("private").command("restore", (ctx) => ctx.reply(ctx.t("backup-owner-only")));

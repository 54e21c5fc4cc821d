import { Composer, GrammyError } from "grammy";
import {
  cancelBroadcast,
  confirmBroadcast,
  countAudience,
  getBroadcast,
  MAX_BUTTONS,
  paidCostStars,
  pauseBroadcast,
  progressLocale,
  recentBroadcasts,
  resendUncertain,
  resumeBroadcast,
  sendBroadcastMessage,
  unsendBroadcast,
  updateDraft,
  type BroadcastView,
  type DraftPatch,
} from "../../../shop/broadcasts/index.js";
import { formatDateTime } from "../../../shop/messages/format.js";
import { isLocale } from "../../../shop/messages/locale.js";
import { staffActor } from "../../../shop/users/staff.js";
import type { BotContext } from "../../context.js";
import { allowedTo } from "../../middlewares/permission.filter.js";
import { askBroadcastInput } from "./broadcast.conversation.js";
import { broadcastRunDeps } from "./run-deps.js";
import {
  AUDIENCE_CODES,
  audienceLabel,
  audienceScreen,
  confirmScreen,
  contentRefusal,
  draftScreen,
  menuScreen,
  progressScreen,
  providerScreen,
  REFUSAL_KEYS,
  type ConfirmRefusal,
  type Screen,
  type T,
} from "./broadcast.views.js";

/**
 * `/broadcast` for staff holding broadcast.send: compose a promo or a service announcement
 * (text with formatting, or a photo with a caption), choose the audience with its recipient
 * count, add buttons, preview it to yourself, schedule it (WIB), the owner's paid option, then
 * confirm; the progress message that follows has Pause / Resume / Cancel / Unsend. Every command
 * and button sits behind allowedTo("broadcast.send") (Postgres at each tap) and every change
 * goes through shop/broadcasts with the member as staffActor made them, which checks the state
 * again under the row's lock (a double tap on Confirm starts one broadcast).
 */
export const broadcastFeature = new Composer<BotContext>();
const staff = broadcastFeature.chatType("private").filter(allowedTo("broadcast.send"));

const tOf = (ctx: BotContext): T => (key, vars) => ctx.t(key, vars);
const localeOf = (ctx: BotContext) => (isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id");
/** The member as the domain knows them; the filter in front already checked the power, fresh. */
const actor = (ctx: BotContext) => staffActor(ctx.shopUser, "broadcast.send")!;
const idOf = (ctx: BotContext & { match: RegExpMatchArray | string }) => Number((ctx.match as RegExpMatchArray)[1]);

/**
 * Edits the message behind a tapped button in place (a new message if it cannot be edited; the
 * same screen again is no error). `answered`: the tap already got its answer (an alert).
 */
async function show(ctx: BotContext, s: Screen, answered = false): Promise<void> {
  if (ctx.callbackQuery) {
    if (!answered) await ctx.answerCallbackQuery().catch(() => undefined);
    await ctx.editMessageText(s.text, { reply_markup: s.reply_markup }).catch(async (err: unknown) => {
      if (!(err instanceof GrammyError && err.description.includes("message is not modified"))) await ctx.reply(s.text, { reply_markup: s.reply_markup });
    });
  } else await ctx.reply(s.text, { reply_markup: s.reply_markup });
}

/** An answer to a tap (an alert). */
async function alert(ctx: BotContext, text: string): Promise<void> {
  await ctx.answerCallbackQuery({ text, show_alert: true }).catch(() => undefined);
}

async function showMenu(ctx: BotContext): Promise<void> {
  await show(ctx, menuScreen(tOf(ctx), await recentBroadcasts(ctx.deps.prisma), localeOf(ctx)));
}

/** The broadcast, or null after telling the member it is gone. */
async function load(ctx: BotContext, id: number): Promise<BroadcastView | null> {
  const view = await getBroadcast(ctx.deps.prisma, id);
  if (!view) await alert(ctx, ctx.t("bc-refused-not_found"));
  return view;
}

/** The card a broadcast has now: its draft card, its progress card, or the menu when it is gone. */
async function cardOf(ctx: BotContext, view: BroadcastView | null, note?: string): Promise<Screen> {
  if (!view) return menuScreen(tOf(ctx), await recentBroadcasts(ctx.deps.prisma), localeOf(ctx));
  if (view.status !== "DRAFT") return progressScreen(tOf(ctx), localeOf(ctx), view);
  return draftScreen(ctx.deps.prisma, tOf(ctx), view, { owner: actor(ctx).role === "OWNER", locale: localeOf(ctx), note });
}

/** The draft card; a broadcast already past its draft shows its progress card instead. */
async function showDraft(ctx: BotContext, id: number, note?: string): Promise<void> {
  const view = await load(ctx, id);
  if (view) await show(ctx, await cardOf(ctx, view, note));
}

/** A tap meant for a draft on a broadcast that is no longer one (or is gone): why not, then the card it has now. */
async function refuseNotDraft(ctx: BotContext, view: BroadcastView | null): Promise<void> {
  await alert(ctx, ctx.t(REFUSAL_KEYS.draft[view ? "not_draft" : "not_found"]));
  await show(ctx, await cardOf(ctx, view), true);
}

/**
 * The broadcast while it is a draft. An old button of one sent, cancelled or deleted since opens
 * nothing (no step that could never succeed): the member hears why and sees its card as it is now.
 */
async function draftOf(ctx: BotContext, id: number): Promise<BroadcastView | null> {
  const view = await getBroadcast(ctx.deps.prisma, id);
  if (view?.status === "DRAFT") return view;
  await refuseNotDraft(ctx, view);
  return null;
}

/** Changes the draft and shows the card again, or says why not (content first, in validateContent's words). */
async function patch(ctx: BotContext, id: number, change: DraftPatch, note?: string): Promise<void> {
  const problem = change.content ? contentRefusal(tOf(ctx), change.content) : null;
  if (problem) return alert(ctx, problem);
  const result = await updateDraft(ctx.deps.prisma, actor(ctx), id, change);
  if (!result.ok && (result.reason === "not_draft" || result.reason === "not_found")) return refuseNotDraft(ctx, await getBroadcast(ctx.deps.prisma, id));
  if (!result.ok) return alert(ctx, ctx.t(REFUSAL_KEYS.draft[result.reason]));
  await showDraft(ctx, id, note);
}

/**
 * The progress card in the message behind the button (the tapper's private chat: their language),
 * and in the broadcast's own progress message when that is another one — in the language of
 * whoever that chat belongs to (a private chat's id is its user's Telegram id), not the tapper's.
 * `note` may depend on the broadcast as it is now.
 */
async function refreshProgress(ctx: BotContext, id: number, note?: string | ((view: BroadcastView) => string | undefined)): Promise<void> {
  const view = await load(ctx, id);
  if (!view) return;
  const card = progressScreen(tOf(ctx), localeOf(ctx), view);
  const said = typeof note === "function" ? note(view) : note;
  await show(ctx, said ? { ...card, text: `${said}\n\n${card.text}` } : card);
  const here = ctx.callbackQuery?.message;
  const { progressChatId, progressMessageId } = view;
  if (progressChatId === null || progressMessageId === null || (here?.chat.id === progressChatId && here.message_id === progressMessageId)) return;
  // The same reader the runner writes for: the chat's owner, else the broadcast's author.
  const locale = await progressLocale(ctx.deps.prisma, view);
  const theirs = locale === localeOf(ctx) ? card : progressScreen((key, vars) => ctx.deps.i18n.t(locale, key, vars), locale, view);
  await ctx.api.editMessageText(progressChatId, progressMessageId, theirs.text, { reply_markup: theirs.reply_markup }).catch(() => undefined);
}

/** Pause / resume / cancel refused: gone, unsent (nothing to resume), or not possible in its state. */
async function transitionRefused(ctx: BotContext, id: number, status: string | null, action: "pause" | "resume" | "cancel"): Promise<void> {
  if (status === null) return refuseNotDraft(ctx, null);
  await refreshProgress(ctx, id, (view) =>
    action === "resume" && view.unsentAt ? ctx.t(REFUSAL_KEYS.transition.unsent) : ctx.t(REFUSAL_KEYS.transition.state, { status: ctx.t(`bc-status-${view.status.toLowerCase()}`) }),
  );
}

staff.command("broadcast", (ctx) => showMenu(ctx));
staff.callbackQuery("bc:menu", (ctx) => showMenu(ctx));

staff.callbackQuery("bc:new:p", (ctx) => askBroadcastInput(ctx, { step: "compose", kind: "PROMO" }));
staff.callbackQuery("bc:new:s", (ctx) => askBroadcastInput(ctx, { step: "compose", kind: "SERVICE" }));
staff.callbackQuery(/^bc:d:(\d+)$/, (ctx) => showDraft(ctx, idOf(ctx)));
staff.callbackQuery(/^bc:v:(\d+)$/, (ctx) => refreshProgress(ctx, idOf(ctx)));

// Audience: the picker, then a choice (expiring asks for the days, provider opens the providers).
staff.callbackQuery(/^bc:au:(\d+)$/, async (ctx) => {
  if (await draftOf(ctx, idOf(ctx))) await show(ctx, audienceScreen(tOf(ctx), idOf(ctx)));
});
staff.callbackQuery(/^bc:as:(\d+):([a-z]+)$/, async (ctx) => {
  const id = idOf(ctx);
  const code = ctx.match[2]!;
  if (!(await draftOf(ctx, id))) return;
  if (code === "exp") return askBroadcastInput(ctx, { step: "days", id });
  if (code === "prov") return show(ctx, providerScreen(tOf(ctx), id));
  const audience = AUDIENCE_CODES[code];
  if (!audience) return alert(ctx, ctx.t("bc-refused-invalid"));
  await patch(ctx, id, { audience }, ctx.t("bc-done-audience", { audience: audienceLabel(tOf(ctx), audience) }));
});

// Buttons under the message.
staff.callbackQuery(/^bc:bu:(\d+)$/, async (ctx) => {
  const view = await draftOf(ctx, idOf(ctx));
  if (!view) return;
  // Full already: say so now, not after the member typed the line.
  if (view.content.buttons.length >= MAX_BUTTONS) return alert(ctx, ctx.t("bc-content-too_many_buttons", { max: MAX_BUTTONS }));
  await askBroadcastInput(ctx, { step: "button", id: view.id });
});
staff.callbackQuery(/^bc:bc:(\d+)$/, async (ctx) => {
  const view = await draftOf(ctx, idOf(ctx));
  if (!view) return;
  const buttons = [...view.content.buttons, { kind: "catalog" as const, text: ctx.t("bc-catalog-button-label") }];
  await patch(ctx, view.id, { content: { ...view.content, buttons } }, ctx.t("bc-done-button"));
});
staff.callbackQuery(/^bc:bx:(\d+)$/, async (ctx) => {
  const view = await draftOf(ctx, idOf(ctx));
  if (!view) return;
  await patch(ctx, view.id, { content: { ...view.content, buttons: [] } }, ctx.t("bc-done-buttons-cleared"));
});

// The preview goes to the member's own chat, through the very function every delivery uses.
staff.callbackQuery(/^bc:pv:(\d+)$/, async (ctx) => {
  const view = await load(ctx, idOf(ctx));
  if (!view) return;
  await ctx.answerCallbackQuery({ text: ctx.t("bc-preview-sent") }).catch(() => undefined);
  await sendBroadcastMessage(ctx.api, ctx.chat.id, view.content, { ...(view.kind === "PROMO" ? { footer: ctx.t("bc-promo-footer") } : {}) }).catch(async (err: unknown) => {
    ctx.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "broadcast preview not sent");
    await ctx.reply(ctx.t("bc-preview-failed"));
  });
});

// Schedule (WIB): typed, or cleared.
staff.callbackQuery(/^bc:sc:(\d+)$/, async (ctx) => {
  if (await draftOf(ctx, idOf(ctx))) await askBroadcastInput(ctx, { step: "schedule", id: idOf(ctx) });
});
staff.callbackQuery(/^bc:scx:(\d+)$/, (ctx) => patch(ctx, idOf(ctx), { scheduledAt: null }, ctx.t("bc-done-schedule-cleared")));

// Paid broadcast (owner only): the cost estimate first, then on; off at once.
staff.callbackQuery(/^bc:pd:(\d+)$/, async (ctx) => {
  if (actor(ctx).role !== "OWNER") return alert(ctx, ctx.t("bc-refused-owner_only"));
  const view = await draftOf(ctx, idOf(ctx));
  if (!view) return;
  const count = view.audience ? await countAudience(ctx.deps.prisma, view.audience, view.kind) : 0;
  const text = ctx.t("bc-paid-estimate", { id: String(view.id), count, stars: paidCostStars(count) });
  await show(ctx, confirmScreen(tOf(ctx), text, { label: ctx.t("bc-btn-paid-confirm"), data: `bc:pdy:${view.id}` }, `bc:d:${view.id}`));
});
staff.callbackQuery(/^bc:pdy:(\d+)$/, (ctx) => patch(ctx, idOf(ctx), { paid: true }));
staff.callbackQuery(/^bc:pdn:(\d+)$/, (ctx) => patch(ctx, idOf(ctx), { paid: false }));

// Send: "Send to N recipients?", then Confirm.
staff.callbackQuery(/^bc:send:(\d+)$/, async (ctx) => {
  const view = await load(ctx, idOf(ctx));
  if (!view) return;
  if (view.status !== "DRAFT") return alert(ctx, startedOrNot(ctx, view));
  // A paid draft spends the bot's Stars: only the owner sends it (confirmBroadcast refuses the others too).
  if (view.paid && actor(ctx).role !== "OWNER") return alert(ctx, confirmRefusal(ctx, "owner_only", view));
  if (!view.audience) return alert(ctx, ctx.t("bc-refused-no_audience"));
  const count = await countAudience(ctx.deps.prisma, view.audience, view.kind);
  if (count === 0) return alert(ctx, ctx.t("bc-refused-no_recipients"));
  const t = tOf(ctx);
  const lines = [
    view.scheduledAt ? t("bc-confirm-scheduled", { count, at: formatDateTime(view.scheduledAt, localeOf(ctx)) }) : t("bc-confirm-now", { count }),
    t("bc-confirm-details", { id: String(view.id), kind: t(`bc-kind-${view.kind.toLowerCase()}`), audience: audienceLabel(t, view.audience) }),
    ...(view.paid ? [t("bc-confirm-paid", { stars: paidCostStars(count) })] : []),
  ];
  await show(ctx, confirmScreen(t, lines.join("\n"), { label: t("bc-btn-confirm"), data: `bc:go:${view.id}` }, `bc:d:${view.id}`));
});

/** A tap to send a broadcast that is past its draft: it went out (or is about to), or it was discarded unsent. */
function startedOrNot(ctx: BotContext, view: BroadcastView): string {
  return view.status === "CANCELLED" && !view.startedAt ? ctx.t(REFUSAL_KEYS.draft.not_draft) : ctx.t("bc-already-started");
}

/** Why confirmBroadcast said no, in words: content problems in validateContent's own. */
function confirmRefusal(ctx: BotContext, reason: ConfirmRefusal, view: BroadcastView | null): string {
  if (reason === "invalid" && view) return contentRefusal(tOf(ctx), view.content) ?? ctx.t(REFUSAL_KEYS.confirm.invalid);
  return ctx.t(REFUSAL_KEYS.confirm[reason]);
}

/**
 * Confirm: the progress message goes out first (its id is stored with the broadcast, so the
 * delivery edits it), then the domain starts the broadcast once; a second tap, here or from
 * another member, hears "already started" and its extra progress message is taken back.
 */
staff.callbackQuery(/^bc:go:(\d+)$/, async (ctx) => {
  const id = idOf(ctx);
  const before = await load(ctx, id);
  if (!before) return;
  if (before.status !== "DRAFT") return alert(ctx, startedOrNot(ctx, before));
  const placeholder = await ctx.reply(ctx.t("bc-placeholder", { id: String(id) }));
  const result = await confirmBroadcast(broadcastRunDeps(ctx.deps), actor(ctx), id, { chatId: ctx.chat.id, messageId: placeholder.message_id });
  if (!result.ok || result.already) {
    await ctx.api.deleteMessage(ctx.chat.id, placeholder.message_id).catch(() => undefined);
    return alert(ctx, result.ok ? ctx.t("bc-already-started") : confirmRefusal(ctx, result.reason, before));
  }
  await ctx.answerCallbackQuery().catch(() => undefined);
  const started = result.status === "SCHEDULED" ? ctx.t("bc-started-scheduled", { id: String(id), count: result.recipients }) : ctx.t("bc-started", { id: String(id), count: result.recipients });
  await ctx.editMessageText(started).catch(() => undefined);
  const view = await getBroadcast(ctx.deps.prisma, id);
  if (!view) return;
  const card = progressScreen(tOf(ctx), localeOf(ctx), view);
  await ctx.api.editMessageText(ctx.chat.id, placeholder.message_id, card.text, { reply_markup: card.reply_markup }).catch(() => undefined);
});

// The progress message's buttons (renderProgress puts them there).
staff.callbackQuery(/^bc:pause:(\d+)$/, async (ctx) => {
  const result = await pauseBroadcast(broadcastRunDeps(ctx.deps), actor(ctx), idOf(ctx));
  await (result.ok ? refreshProgress(ctx, idOf(ctx)) : transitionRefused(ctx, idOf(ctx), result.status, "pause"));
});
staff.callbackQuery(/^bc:resume:(\d+)$/, async (ctx) => {
  const result = await resumeBroadcast(broadcastRunDeps(ctx.deps), actor(ctx), idOf(ctx));
  await (result.ok ? refreshProgress(ctx, idOf(ctx)) : transitionRefused(ctx, idOf(ctx), result.status, "resume"));
});

/** Cancel, unsend and resend ask first, in a message of their own (the progress message keeps updating). */
async function ask(ctx: BotContext, id: number, what: "cancel" | "unsend" | "resend", yes: string): Promise<void> {
  const view = await load(ctx, id);
  if (!view) return;
  await ctx.answerCallbackQuery().catch(() => undefined);
  const question = ctx.t(`bc-ask-${what}-confirm`, { id: String(id), sent: view.counts.sent, uncertain: view.counts.uncertain });
  // Unsending a paused broadcast also cancels it: the rest is never sent.
  const text = what === "unsend" && view.status === "PAUSED" ? `${question}\n${ctx.t("bc-ask-unsend-paused")}` : question;
  const s = confirmScreen(tOf(ctx), text, { label: ctx.t(`bc-btn-${what}-confirm`), data: `${yes}${id}` }, view.status === "DRAFT" ? `bc:d:${id}` : `bc:v:${id}`);
  await ctx.reply(s.text, { reply_markup: s.reply_markup });
}

staff.callbackQuery(/^bc:cancel:(\d+)$/, (ctx) => ask(ctx, idOf(ctx), "cancel", "bc:cxy:"));
staff.callbackQuery(/^bc:cxy:(\d+)$/, async (ctx) => {
  const result = await cancelBroadcast(broadcastRunDeps(ctx.deps), actor(ctx), idOf(ctx));
  await (result.ok ? refreshProgress(ctx, idOf(ctx), ctx.t("bc-cancelled")) : transitionRefused(ctx, idOf(ctx), result.status, "cancel"));
});

staff.callbackQuery(/^bc:unsend:(\d+)$/, (ctx) => ask(ctx, idOf(ctx), "unsend", "bc:uny:"));
staff.callbackQuery(/^bc:uny:(\d+)$/, async (ctx) => {
  const before = await getBroadcast(ctx.deps.prisma, idOf(ctx));
  const result = await unsendBroadcast(broadcastRunDeps(ctx.deps), actor(ctx), idOf(ctx));
  if (!result.ok) return alert(ctx, ctx.t(REFUSAL_KEYS.unsend[result.reason]));
  const unsending = ctx.t("bc-unsending", { count: result.messages });
  await refreshProgress(ctx, idOf(ctx), (view) => (before?.status === "PAUSED" && view.status === "CANCELLED" ? `${unsending}\n${ctx.t("bc-unsend-cancelled")}` : unsending));
});

// After a crash: send to the recipients whose message was in flight (some may get it twice; the question says so).
staff.callbackQuery(/^bc:resend:(\d+)$/, (ctx) => ask(ctx, idOf(ctx), "resend", "bc:rsy:"));
staff.callbackQuery(/^bc:rsy:(\d+)$/, async (ctx) => {
  const result = await resendUncertain(broadcastRunDeps(ctx.deps), actor(ctx), idOf(ctx));
  if (!result.ok) return alert(ctx, ctx.t(REFUSAL_KEYS.resend[result.reason]));
  await refreshProgress(ctx, idOf(ctx), ctx.t("bc-resending", { count: result.recipients }));
});

import type { Conversation } from "@grammyjs/conversations";
import type { Message } from "grammy/types";
import { isLocale } from "../../../shop/messages/locale.js";
import { parseWhole } from "../../../shop/catalog/admin/input.js";
import { staffActor } from "../../../shop/users/staff.js";
import {
  createDraft,
  EXPIRING_MAX_DAYS,
  MAX_BUTTONS,
  getBroadcast,
  parseButtonLine,
  updateDraft,
  type BroadcastContent,
  type BroadcastKind,
} from "../../../shop/broadcasts/index.js";
import type { BotContext, BotDeps, ConvContext } from "../../context.js";
import { waitForText } from "../wait-for-text.js";
import { MAX_BUTTON_TEXT } from "../../../shop/broadcasts/index.js";
import { contentRefusal, draftScreen, progressScreen, REFUSAL_KEYS, type Screen, type T } from "./broadcast.views.js";
import { parseScheduleTime } from "./schedule.js";

export const BROADCAST_CONVERSATION = "broadcast-input";

/** What the next message answers: the broadcast itself, a URL button line, the days of "expiring", or a send time. */
export type BroadcastInput = { step: "compose"; kind: BroadcastKind } | { step: "button" | "days" | "schedule"; id: number };

/** A staff member who taps and walks away must not leave a flow that takes their next message, hours later. */
export const BROADCAST_INPUT_TIMEOUT_MS = 10 * 60_000;
/** Wrong answers before the flow gives up (each one answered with what was wrong). */
const MAX_TRIES = 3;

/** Opens an input step (the permission was checked by the button's filter; the flow checks it again). */
export async function askBroadcastInput(ctx: BotContext, input: BroadcastInput): Promise<void> {
  await ctx.answerCallbackQuery().catch(() => undefined);
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(BROADCAST_CONVERSATION, input);
}

/**
 * The message to broadcast exactly as Telegram delivered it: text and its entities, or the
 * largest size of a photo with its caption and caption entities. Null for anything else.
 */
export function contentOf(message: Message | undefined): BroadcastContent | null {
  if (!message) return null;
  if (message.photo && message.photo.length > 0) {
    const largest = message.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    return { text: message.caption ?? "", entities: message.caption_entities ?? [], photoFileId: largest.file_id, buttons: [] };
  }
  if (message.text !== undefined) return { text: message.text, entities: message.entities ?? [], buttons: [] };
  return null;
}

/**
 * The typed steps of /broadcast: the message of a new broadcast (text with formatting or a photo
 * with a caption: a draft is created from it), a "Label | https://…" line for a URL button, the
 * days of the "expiring" audience, or the send time in WIB. Each answer is checked; a wrong one
 * is answered with why and asked again (MAX_TRIES) — unless no answer could ever be used (the
 * broadcast is no longer a draft or is gone, the buttons are full): then the flow ends at once,
 * with the broadcast's card as it is now. The broadcast.send permission is checked when the flow
 * starts and again, fresh, when the answer changes anything. At the end the draft card is sent
 * again with the change.
 */
export function broadcastInputConversation(deps: BotDeps) {
  return async function broadcastInput(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext, args: BroadcastInput) {
    const from = ctx.from!;
    const user = await conversation.external(() => deps.users.resolve(from));
    const locale = isLocale(user.language) ? user.language : "id";
    const t: T = (key, vars) => deps.i18n.t(locale, key, vars);
    if (!staffActor(user, "broadcast.send")) return;
    const ask = t(`bc-ask-${args.step}`, args.step === "days" ? { max: EXPIRING_MAX_DAYS } : undefined);
    await ctx.reply(ask);

    /**
     * Applies the answer as the member is now (they may have lost the power while typing): the
     * draft card, or why not — `final` when asking again is no use, with the card as it is now.
     */
    const act = (change: (staff: NonNullable<ReturnType<typeof staffActor>>) => Promise<{ id: number; note?: string } | Refused>) =>
      conversation.external(async (): Promise<Screen | Refused> => {
        const fresh = await deps.users.fresh(from);
        const staff = staffActor(fresh, "broadcast.send");
        if (!staff) return { error: t("bc-not-allowed"), final: true };
        const done = await change(staff);
        if ("error" in done) return done;
        const view = await getBroadcast(deps.prisma, done.id);
        if (!view) return { error: t(REFUSAL_KEYS.draft.not_found), final: true };
        return draftScreen(deps.prisma, t, view, { owner: staff.role === "OWNER", locale, note: done.note });
      });

    for (let tries = 0; tries < MAX_TRIES; tries += 1) {
      const { answer, content } = args.step === "compose" ? await waitForContent(conversation, ask) : await waitForLine(conversation, ask);
      if (!answer) {
        await ctx.reply(t("bc-input-timeout"));
        return;
      }
      const result =
        args.step === "compose"
          ? await compose(content, args.kind)
          : await act(async (staff) => {
              const patch = await patchFor(args.step, content?.text ?? "", t);
              if ("error" in patch) return patch;
              const view = await getBroadcast(deps.prisma, args.id);
              if (!view) return { error: t(REFUSAL_KEYS.draft.not_found), final: true };
              if (view.status !== "DRAFT") return { error: t(REFUSAL_KEYS.draft.not_draft), final: true, card: progressScreen(t, locale, view) };
              const next = "buttons" in patch ? { content: { ...view.content, buttons: [...view.content.buttons, ...patch.buttons] } } : patch;
              // In validateContent's words; a 7th button can never fit, so that one ends the step.
              const problem = "content" in next ? contentRefusal(t, next.content) : null;
              if (problem) return { error: problem, final: "content" in next && next.content.buttons.length > MAX_BUTTONS };
              const updated = await updateDraft(deps.prisma, staff, args.id, next);
              if (updated.ok) return { id: args.id, note: t(`bc-done-${args.step}`) };
              // Sent, cancelled or deleted while the member typed: no answer will ever do.
              if (updated.reason === "not_draft" || updated.reason === "not_found") {
                const now = await getBroadcast(deps.prisma, args.id);
                return { error: t(REFUSAL_KEYS.draft[now ? "not_draft" : "not_found"]), final: true, ...(now ? { card: progressScreen(t, locale, now) } : {}) };
              }
              return { error: t(REFUSAL_KEYS.draft[updated.reason]) };
            });
      if (!("error" in result)) {
        await answer.reply(result.text, { reply_markup: result.reply_markup });
        return;
      }
      await answer.reply(result.error);
      if (result.final) {
        if (result.card) await answer.reply(result.card.text, { reply_markup: result.card.reply_markup });
        return;
      }
    }
    await ctx.reply(t("bc-input-gave-up"));

    function compose(content: BroadcastContent | null, kind: BroadcastKind) {
      return act(async (staff) => {
        if (!content) return { error: ask };
        const problem = contentRefusal(t, content);
        if (problem) return { error: problem };
        // Checked above: createDraft refuses (throws on) content that does not pass validateContent.
        const { id } = await createDraft(deps.prisma, staff, { kind, content });
        return { id, note: t("bc-done-compose") };
      });
    }
  };
}

/** Why an answer was not used; `final`: asking again is no use (with the broadcast's card as it is now, if any). */
type Refused = { error: string; final?: boolean; card?: Screen };

type Patch = { buttons: BroadcastContent["buttons"] } | { audience: { kind: "EXPIRING"; days: number } } | { scheduledAt: Date } | { error: string };

/** What a typed line changes on the draft, or why it is not an answer. */
async function patchFor(step: "button" | "days" | "schedule", text: string, t: T): Promise<Patch> {
  if (step === "button") {
    const parsed = parseButtonLine(text);
    return parsed ? { buttons: [{ kind: "url", text: parsed.text, url: parsed.url }] } : { error: t("bc-button-invalid", { label: MAX_BUTTON_TEXT }) };
  }
  if (step === "days") {
    const days = parseWhole(text, 1, EXPIRING_MAX_DAYS);
    return days.ok ? { audience: { kind: "EXPIRING", days: days.value } } : { error: t("bc-days-invalid", { max: EXPIRING_MAX_DAYS }) };
  }
  const at = parseScheduleTime(text);
  return at.ok ? { scheduledAt: at.at } : { error: t(`bc-schedule-${at.reason}`) };
}

type Answer = { answer: ConvContext | null; content: BroadcastContent | null };

/**
 * The next message for the compose step: text or a photo. A button tapped meanwhile ends the
 * flow and is handled as usual (as in waitForText); anything else is asked again. Null answer
 * when it came after the timeout.
 */
async function waitForContent(conversation: Conversation<BotContext, ConvContext>, ask: string): Promise<Answer> {
  const asked = await conversation.now();
  for (;;) {
    const answer = await conversation.wait();
    if ((await conversation.now()) - asked > BROADCAST_INPUT_TIMEOUT_MS) return { answer: null, content: null };
    if (answer.callbackQuery) await conversation.halt({ next: true });
    // A command typed instead (not one Telegram marked as such) leaves the flow and runs as usual.
    if (answer.message?.text?.startsWith("/")) await conversation.halt({ next: true });
    const content = contentOf(answer.message);
    if (content) return { answer, content };
    await answer.reply(ask);
  }
}

/** The next text line (the shared text step), as an Answer. */
async function waitForLine(conversation: Conversation<BotContext, ConvContext>, ask: string): Promise<Answer> {
  const { answer, text, timedOut } = await waitForText(conversation, ask, BROADCAST_INPUT_TIMEOUT_MS);
  if (timedOut) return { answer: null, content: null };
  if (text.startsWith("/")) await conversation.halt({ next: true });
  return { answer, content: { text, entities: [], buttons: [] } };
}

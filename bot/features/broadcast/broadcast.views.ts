import { InlineKeyboard } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { PrismaClient } from "../../../db/client.js";
import { formatDateTime } from "../../../shop/messages/format.js";
import type { Locale } from "../../../shop/messages/locale.js";
import {
  countAudience,
  paidCostStars,
  renderProgress,
  validateContent,
  MAX_BUTTON_TEXT, MAX_BUTTONS,
  MAX_CAPTION,
  MAX_TEXT,
  type Audience,
  type BroadcastContent,
  type BroadcastView,
  type ConfirmResult,
  type ContentProblem,
  type UnsendResult,
  type resendUncertain,
  type updateDraft,
} from "../../../shop/broadcasts/index.js";

export type T = (key: string, vars?: Record<string, string | number>) => string;

/** A screen: its text and buttons, plain data (a conversation stores what it computed). */
export interface Screen {
  text: string;
  reply_markup: InlineKeyboardMarkup;
}

const screen = (text: string, kb: InlineKeyboard): Screen => ({ text, reply_markup: { inline_keyboard: kb.inline_keyboard } });

/** Providers as their customers know them (brand names, not translated). */
export const PROVIDER_CODES = { do: "DIGITALOCEAN", vu: "VULTR", li: "LINODE" } as const;
const PROVIDER_NAMES: Record<string, string> = { DIGITALOCEAN: "DigitalOcean", VULTR: "Vultr", LINODE: "Linode" };

/** The audience choices of the picker: the short code on the button and the audience it stands for. */
export const AUDIENCE_CODES: Record<string, Audience> = {
  all: { kind: "ALL" },
  vps: { kind: "ACTIVE_VPS" },
  none: { kind: "NO_ORDER" },
  res: { kind: "RESELLERS" },
  ...Object.fromEntries(Object.entries(PROVIDER_CODES).map(([code, provider]) => [code, { kind: "PROVIDER", provider }])),
};

type Refusal<R> = R extends { ok: false; reason: infer X } ? X : never;
type DraftRefusal = Refusal<Awaited<ReturnType<typeof updateDraft>>>;
/** Why confirmBroadcast refuses ("owner_only": a paid draft confirmed by a non-owner). */
export type ConfirmRefusal = Refusal<ConfirmResult> | "owner_only";

/**
 * The words for every reason the domain can refuse with, by call. Typed on the domain's own
 * unions: a reason added there and not here fails `tsc`; test/bot/broadcast.test.ts checks each
 * key is in both languages.
 */
export const REFUSAL_KEYS = {
  content: { empty: "bc-content-empty", too_long: "bc-content-too_long", too_many_buttons: "bc-content-too_many_buttons", bad_url: "bc-content-bad_url", bad_button: "bc-content-bad_button" } satisfies Record<ContentProblem, string>,
  draft: { not_found: "bc-refused-not_found", not_draft: "bc-refused-not_draft", owner_only: "bc-refused-owner_only", invalid: "bc-refused-invalid" } satisfies Record<DraftRefusal, string>,
  confirm: {
    not_found: "bc-refused-not_found",
    not_draft: "bc-refused-not_draft",
    no_audience: "bc-refused-no_audience",
    no_recipients: "bc-refused-no_recipients",
    schedule_past: "bc-refused-schedule_past",
    invalid: "bc-refused-invalid",
    owner_only: "bc-confirm-refused-owner_only",
  } satisfies Record<ConfirmRefusal, string>,
  unsend: {
    not_found: "bc-unsend-refused-not_found",
    too_old: "bc-unsend-refused-too_old",
    nothing_sent: "bc-unsend-refused-nothing_sent",
    already: "bc-unsend-refused-already",
    running: "bc-unsend-refused-running",
  } satisfies Record<Refusal<UnsendResult>, string>,
  resend: { not_found: "bc-resend-refused-not_found", none: "bc-resend-refused-none", running: "bc-resend-refused-running", unsent: "bc-resend-refused-unsent" } satisfies Record<
    Refusal<Awaited<ReturnType<typeof resendUncertain>>>,
    string
  >,
  /** Pause / resume / cancel answer only ok and the status: gone, unsent (resume), or not in that state. */
  transition: { not_found: "bc-refused-not_found", unsent: "bc-resume-refused-unsent", state: "bc-not-now" },
} as const;

/** Why this content cannot be saved, in words (validateContent's reason), or null when it can. */
export function contentRefusal(t: T, content: BroadcastContent): string | null {
  const valid = validateContent(content);
  return valid.ok ? null : t(REFUSAL_KEYS.content[valid.reason], { max: MAX_BUTTONS, text: MAX_TEXT, caption: MAX_CAPTION, label: MAX_BUTTON_TEXT });
}

/** How much of the message the draft card quotes (the preview shows all of it). */
const QUOTE_CHARS = 300;

export function audienceLabel(t: T, a: Audience | null): string {
  if (!a) return t("bc-aud-none");
  if (a.kind === "EXPIRING") return t("bc-aud-EXPIRING", { days: a.days });
  if (a.kind === "PROVIDER") return t("bc-aud-PROVIDER", { provider: PROVIDER_NAMES[a.provider] ?? a.provider });
  return t(`bc-aud-${a.kind}`);
}

/** `/broadcast`: start a promo or a service announcement, or open one of the recent broadcasts. */
export function menuScreen(t: T, recent: BroadcastView[], locale: Locale): Screen {
  const kb = new InlineKeyboard().text(t("bc-btn-new-promo"), "bc:new:p").row().text(t("bc-btn-new-service"), "bc:new:s").row();
  for (const b of recent) {
    const label = t("bc-recent-line", { id: String(b.id), kind: t(`bc-kind-${b.kind.toLowerCase()}`), status: t(`bc-status-${b.status.toLowerCase()}`), date: formatDateTime(b.createdAt, locale) });
    kb.text(label, b.status === "DRAFT" ? `bc:d:${b.id}` : `bc:v:${b.id}`).row();
  }
  return screen(recent.length > 0 ? t("bc-menu-title") : `${t("bc-menu-title")}\n\n${t("bc-menu-empty")}`, kb);
}

/** The draft card: everything about the broadcast before it is sent, with the buttons that change it. */
export async function draftScreen(prisma: PrismaClient, t: T, view: BroadcastView, opts: { owner: boolean; locale: Locale; note?: string }): Promise<Screen> {
  const { id, content } = view;
  const audience = view.audience ?? null;
  const count = audience ? await countAudience(prisma, audience, view.kind) : 0;
  const buttons = content.buttons.map((b) => (b.kind === "url" ? `${b.text} → ${b.url}` : `${b.text} → ${t("bc-button-catalog-target")}`));
  const quote = content.text.length > QUOTE_CHARS ? `${content.text.slice(0, QUOTE_CHARS)}…` : content.text;
  const lines = [
    ...(opts.note ? [opts.note, ""] : []),
    t("bc-draft-title", { id: String(id), kind: t(`bc-kind-${view.kind.toLowerCase()}`) }),
    audience ? t("bc-draft-audience", { audience: audienceLabel(t, audience), count }) : t("bc-draft-audience-none"),
    buttons.length > 0 ? t("bc-draft-buttons", { buttons: buttons.join("; ") }) : t("bc-draft-buttons-none"),
    view.scheduledAt ? t("bc-draft-schedule", { at: formatDateTime(view.scheduledAt, opts.locale) }) : t("bc-draft-schedule-now"),
    // Every member sees whether it is paid (it spends the bot's Stars); only the owner has the switch.
    view.paid ? t("bc-draft-paid-on", { stars: paidCostStars(count), count }) : t("bc-draft-paid-off"),
    t(view.kind === "PROMO" ? "bc-draft-promo-note" : "bc-draft-service-note"),
    "",
    content.photoFileId ? t("bc-draft-photo") : "",
    quote || t("bc-draft-no-text"),
  ];
  const kb = new InlineKeyboard()
    .text(t("bc-btn-audience"), `bc:au:${id}`)
    .text(t("bc-btn-preview"), `bc:pv:${id}`)
    .row()
    .text(t("bc-btn-add-url"), `bc:bu:${id}`)
    .text(t("bc-btn-add-catalog"), `bc:bc:${id}`)
    .row();
  if (content.buttons.length > 0) kb.text(t("bc-btn-clear-buttons"), `bc:bx:${id}`).row();
  kb.text(t("bc-btn-schedule"), `bc:sc:${id}`);
  if (view.scheduledAt) kb.text(t("bc-btn-clear-schedule"), `bc:scx:${id}`);
  kb.row();
  if (opts.owner) kb.text(t(view.paid ? "bc-btn-paid-on" : "bc-btn-paid-off"), view.paid ? `bc:pdn:${id}` : `bc:pd:${id}`).row();
  kb.text(t("bc-btn-send"), `bc:send:${id}`).row().text(t("bc-btn-discard"), `bc:cancel:${id}`).text(t("bc-btn-menu"), "bc:menu");
  return screen(lines.filter((l, i, all) => l !== "" || all[i - 1] !== "").join("\n"), kb);
}

/** Who to send to. Expiring asks for the days next; provider opens the list of providers. */
export function audienceScreen(t: T, id: number): Screen {
  const choices: Array<[label: string, code: string]> = [
    ["bc-aud-ALL", "all"],
    ["bc-aud-ACTIVE_VPS", "vps"],
    ["bc-aud-btn-expiring", "exp"],
    ["bc-aud-NO_ORDER", "none"],
    ["bc-aud-RESELLERS", "res"],
    ["bc-aud-btn-provider", "prov"],
  ];
  const kb = new InlineKeyboard();
  for (const [label, code] of choices) kb.text(t(label), `bc:as:${id}:${code}`).row();
  return screen(t("bc-aud-title", { id: String(id) }), kb.text(t("bc-btn-back"), `bc:d:${id}`));
}

export function providerScreen(t: T, id: number): Screen {
  const kb = new InlineKeyboard();
  for (const [code, provider] of Object.entries(PROVIDER_CODES)) kb.text(PROVIDER_NAMES[provider]!, `bc:as:${id}:${code}`).row();
  kb.text(t("bc-btn-back"), `bc:au:${id}`);
  return screen(t("bc-aud-provider-title", { id: String(id) }), kb);
}

/** A yes/no question about a broadcast: the yes button's data, and where "back" goes. */
export function confirmScreen(t: T, text: string, yes: { label: string; data: string }, back: string): Screen {
  return screen(text, new InlineKeyboard().text(yes.label, yes.data).row().text(t("bc-btn-back"), back));
}

/** The progress / report card of a started broadcast, with the rate and ETA read from its counts. */
export function progressScreen(t: T, locale: Locale, view: BroadcastView, now: Date = new Date()): Screen {
  const { text, keyboard } = renderProgress(t, locale, view, progressStats(view, now), now);
  return screen(text, keyboard);
}

/** Messages per second since it started and the time left at that pace (none while not sending). */
export function progressStats(view: BroadcastView, now: Date): { ratePerSecond: number; etaSeconds: number | null } {
  const c = view.counts;
  const done = c.total - c.pending;
  const started = view.startedAt ? new Date(view.startedAt).getTime() : null;
  const until = view.finishedAt ? new Date(view.finishedAt).getTime() : now.getTime();
  const seconds = started === null ? 0 : (until - started) / 1000;
  const ratePerSecond = seconds > 0 ? Math.round((done / seconds) * 10) / 10 : 0;
  const etaSeconds = view.status === "SENDING" && ratePerSecond > 0 ? Math.ceil(c.pending / ratePerSecond) : null;
  return { ratePerSecond, etaSeconds };
}

/**
 * A card as text and buttons, from the domain's state now: the same rendering for a card opened
 * from /pending and for every copy edited after a decision, in the reader's language. The
 * buttons are the existing review and provisioning ones (rev:…, prov:…): one decision path.
 */
import type { Db } from "../../db/client.js";
import { formatDateTime } from "../messages/format.js";
import type { Locale } from "../messages/locale.js";
import { formatIdr } from "../money.js";
import { reviewButtons } from "../payments/review-notices.js";
import { isReviewWhy } from "../payments/settle.js";
import type { Permission } from "../users/staff.js";
import { ruleAmountIdr } from "./approval.js";
import { cardState, handledBy, type CardState } from "./cards.js";
import { ageOf } from "./items.js";

export type Translate = (key: string, params?: Record<string, string | number>) => string;

export interface CardButton {
  text: string;
  data: string;
}

export interface RenderedCard {
  text: string;
  buttons: CardButton[][];
  /** Still waiting for a decision (buttons shown). */
  open: boolean;
}

/** "12:03" in Jakarta time: what a decision line shows. */
export function clock(at: Date): string {
  return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta", hourCycle: "h23" }).format(at);
}

const customerOf = (u: { firstName: string | null; username: string | null; telegramId: bigint }) =>
  `${u.firstName ?? "?"}${u.username ? ` (@${u.username})` : ""} · id ${u.telegramId}`;

interface Body {
  lines: string[];
  open: boolean;
  buttons: CardButton[][];
  amountIdr: number;
}

/** What each card button needs (the handler checks again at the tap); a reader without it does not see it. */
const BUTTON_POWER: ReadonlyArray<[prefix: string, permission: Permission]> = [
  ["rev:", "payments.review"],
  ["prov:retry:", "provisioning.retry"],
  ["prov:refund:", "orders.refund"],
];

/** The buttons a reader holding `permissions` can use (all of them when the reader is not known). */
export function buttonsFor(buttons: CardButton[][], permissions?: readonly string[]): CardButton[][] {
  if (!permissions) return buttons;
  const usable = (b: CardButton) => BUTTON_POWER.every(([prefix, permission]) => !b.data.startsWith(prefix) || permissions.includes(permission));
  return buttons.map((row) => row.filter(usable)).filter((row) => row.length > 0);
}

/** The card `key` for a reader with translator `t` (and, when known, `permissions`: only the buttons they can use), or null when what it is about is gone. */
export async function renderCard(db: Db, key: string, t: Translate, locale: Locale, opts: { secondAboveIdr: number; now?: Date; permissions?: readonly string[] }): Promise<RenderedCard | null> {
  const now = opts.now ?? new Date();
  const [kind, first, second] = key.split(":");
  const id = Number(first);
  const body =
    kind === "proof" ? await proofBody(db, id, t, locale, now) : kind === "review" ? await reviewBody(db, id, t, now) : kind === "prov" ? await provisioningBody(db, id, Number(second), t, now) : null;
  if (!body) return null;
  const card = await cardState(db, key);
  const lines = [...body.lines];
  const open = body.open && !card?.outcome;
  const moneyCard = kind !== "prov";
  if (open && moneyCard && opts.secondAboveIdr > 0 && body.amountIdr > opts.secondAboveIdr) {
    lines.push("", card?.firstApproverName && card.firstApprovedAt ? t("pend-half", { name: card.firstApproverName, time: clock(card.firstApprovedAt) }) : t("pend-two-person", { limit: formatIdr(opts.secondAboveIdr) }));
  }
  if (!open) lines.push("", await decisionLine(db, key, card, t));
  return { text: lines.join("\n"), buttons: open ? buttonsFor(body.buttons, opts.permissions) : [], open };
}

/** Whether what card `key` is about still waits for a decision (whatever the card row says). */
export async function subjectOpen(db: Db, key: string): Promise<boolean> {
  const t: Translate = (k) => k;
  const [kind, first, second] = key.split(":");
  const id = Number(first);
  const body = kind === "proof" ? await proofBody(db, id, t, "id", new Date()) : kind === "review" ? await reviewBody(db, id, t, new Date()) : kind === "prov" ? await provisioningBody(db, id, Number(second), t, new Date()) : null;
  return body?.open ?? false;
}

async function decisionLine(db: Db, key: string, card: CardState | null, t: Translate): Promise<string> {
  if (card?.outcome && card.actedAt && card.actorName) return t(`pend-done-${card.outcome}`, { name: card.actorName ?? "?", time: clock(card.actedAt) });
  const who = await handledBy(db, key);
  return who ? t("pend-done-handled", { name: who.name, time: clock(who.at) }) : t("pend-done-gone");
}

const age = (t: Translate, since: Date, now: Date) => {
  const a = ageOf(since, now);
  return t("pend-age", { value: a.value, unit: a.unit });
};

async function proofBody(db: Db, proofId: number, t: Translate, locale: Locale, now: Date): Promise<Body | null> {
  const proof = await db.transferProof.findUnique({ where: { id: proofId }, omit: { sealed: true }, include: { payment: true, order: { include: { user: true } } } });
  if (!proof?.payment) return null;
  const { order, payment } = proof;
  const open = proof.status === "PENDING" && payment.gateway === "MANUAL_TRANSFER" && (payment.status === "PENDING" || payment.status === "EXPIRED");
  const lines = [
    t("pend-card-proof", { reference: order.reference, plan: order.planName ?? order.kind, customer: customerOf(order.user), amount: formatIdr(payment.totalIdr), age: age(t, proof.createdAt, now) }),
  ];
  if (open && order.status === "PENDING_PAYMENT" && order.paymentDeadline) lines.push(t("pend-card-deadline", { deadline: formatDateTime(order.paymentDeadline, locale) }));
  if (open && order.status !== "PENDING_PAYMENT") lines.push(t("pend-card-late", { status: order.status }));
  const buttons = [
    [{ text: t("review-view-proof"), data: `rev:view:${proof.id}` }],
    [
      { text: t("review-approve"), data: `rev:ok:${payment.id}` },
      { text: t("review-reject"), data: `rev:no:${payment.id}` },
    ],
  ];
  return { lines, open, buttons, amountIdr: ruleAmountIdr(payment) };
}

async function reviewBody(db: Db, paymentId: number, t: Translate, now: Date): Promise<Body | null> {
  const payment = await db.payment.findUnique({ where: { id: paymentId }, include: { order: { include: { user: true } } } });
  if (!payment) return null;
  const why = isReviewWhy(payment.reviewWhy) ? payment.reviewWhy : "amount_mismatch";
  const lines = [
    t("pend-card-review", {
      reference: payment.order.reference,
      why: t(`review-why-${why}`),
      customer: customerOf(payment.order.user),
      received: payment.receivedIdr === null ? "?" : formatIdr(payment.receivedIdr),
      expected: formatIdr(payment.totalIdr),
      gateway: payment.gateway,
      age: age(t, payment.updatedAt, now),
    }),
  ];
  const buttons = reviewButtons(payment.id, payment.order.status, why).map((row) => row.map((b) => ({ text: t(b.text.replace(/^t:/, "")), data: b.data })));
  return { lines, open: payment.status === "REVIEW", buttons, amountIdr: ruleAmountIdr(payment) };
}

async function provisioningBody(db: Db, orderId: number, episode: number, t: Translate, now: Date): Promise<Body | null> {
  const order = await db.order.findUnique({
    where: { id: orderId },
    include: {
      user: true,
      provisioningTask: { select: { lastError: true, attempts: true } },
      statusHistory: { where: { toStatus: { in: ["PROVISIONING_FAILED", "PROVISIONING"] } }, orderBy: { id: "desc" }, take: 1, select: { id: true, createdAt: true } },
    },
  });
  if (!order) return null;
  const current = order.statusHistory[0];
  const open = (order.status === "PROVISIONING_FAILED" || order.status === "PROVISIONING") && (current?.id ?? 0) === episode;
  const failed = order.status === "PROVISIONING_FAILED" || !open;
  const lines = [
    t(failed ? "pend-card-prov-failed" : "pend-card-prov-stuck", {
      reference: order.reference,
      plan: order.planName ?? order.kind,
      customer: customerOf(order.user),
      amount: formatIdr(order.totalIdr + order.paymentFeeIdr),
      error: (order.provisioningTask?.lastError ?? "-").slice(0, 300),
      attempts: order.provisioningTask?.attempts ?? 0,
      age: age(t, current?.createdAt ?? order.updatedAt, now),
    }),
  ];
  const retry = { text: t("staff-retry"), data: `prov:retry:${order.id}` };
  const buttons = order.status === "PROVISIONING_FAILED" ? [[retry, { text: t("staff-refund"), data: `prov:refund:${order.id}` }]] : [[retry]];
  return { lines, open, buttons, amountIdr: order.totalIdr };
}

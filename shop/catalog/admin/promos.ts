import type { PrismaClient } from "../../../db/client.js";
import { discountFor, type DiscountKind } from "../../pricing/discounts.js";
import { MAX_IDR } from "./input.js";
import type { EditResult } from "./plans.js";
import { MAX_MONTHS } from "./plans.js";
import { auditChange, type CatalogStaff } from "./staff-change.js";

/** A promo as the console creates it: the same rule shop/pricing/discounts.ts applies. */
export interface PromoDraft {
  planId: number;
  label: string;
  kind: DiscountKind;
  /** PERCENT: 1..99; FIXED: rupiah, below the plan's lowest active price it applies to. */
  value: number;
  maxDiscountIdr: number | null;
  /** null = every duration of the plan. */
  durationMonths: number | null;
  startsAt: Date;
  endsAt: Date;
}

export type PromoProblem = "value" | "cap" | "duration" | "window" | "label" | "free";

/** Why a draft cannot be a promo, or null when it can. */
export function promoProblem(d: PromoDraft): PromoProblem | null {
  if (d.label.length < 1 || d.label.length > 64) return "label";
  if (!Number.isSafeInteger(d.value) || d.value < 1 || d.value > (d.kind === "PERCENT" ? 99 : MAX_IDR)) return "value";
  if (d.maxDiscountIdr !== null && !(Number.isSafeInteger(d.maxDiscountIdr) && d.maxDiscountIdr >= 1 && d.maxDiscountIdr <= MAX_IDR)) return "cap";
  if (d.durationMonths !== null && !(Number.isSafeInteger(d.durationMonths) && d.durationMonths >= 1 && d.durationMonths <= MAX_MONTHS)) return "duration";
  if (!(d.endsAt.getTime() > d.startsAt.getTime())) return "window";
  return null;
}

type PriceReader = Pick<PrismaClient, "planPrice">;

/** The plan's active prices a promo would apply to (one duration, or all). */
function promoPrices(db: PriceReader, d: Pick<PromoDraft, "planId" | "durationMonths">) {
  return db.planPrice.findMany({
    where: { planId: d.planId, active: true, ...(d.durationMonths === null ? {} : { durationMonths: d.durationMonths }) },
    orderBy: { durationMonths: "asc" },
    select: { durationMonths: true, priceIdr: true },
  });
}

/** What each duration would cost with the draft promo, for the confirm screen. */
export async function promoPreview(db: PriceReader, d: PromoDraft): Promise<Array<{ durationMonths: number; priceIdr: number; afterIdr: number }>> {
  return (await promoPrices(db, d)).map((p) => ({ ...p, afterIdr: p.priceIdr - discountFor(d, p.priceIdr) }));
}

export type CreatePromoResult = { ok: true; promoId: number } | { ok: false; reason: "not_found" | PromoProblem };

export async function createPromo(prisma: PrismaClient, actor: CatalogStaff, draft: PromoDraft): Promise<CreatePromoResult> {
  const problem = promoProblem(draft);
  if (problem) return { ok: false, reason: problem };
  return prisma.$transaction(async (tx) => {
    if (!(await tx.plan.findUnique({ where: { id: draft.planId }, select: { id: true } }))) return { ok: false, reason: "not_found" } as const;
    // A typo (50000 for 5000) must not give the plan away: the wallet fulfils a Rp 0 order at once.
    if (draft.kind === "FIXED") {
      const prices = await promoPrices(tx, draft);
      if (prices.some((p) => p.priceIdr <= draft.value)) return { ok: false, reason: "free" } as const;
    }
    const promo = await tx.promo.create({ data: { ...draft } });
    await auditChange(tx, actor, { action: "promo.create", targetType: "promo", targetId: promo.id, before: null, after: { ...draft } });
    return { ok: true, promoId: promo.id } as const;
  });
}

/** Ends a promo now (kept for the record, no longer applied). */
export async function disablePromo(prisma: PrismaClient, actor: CatalogStaff, promoId: number): Promise<EditResult & { planId?: number }> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.promo.findUnique({ where: { id: promoId } });
    if (!before) return { ok: false, reason: "not_found" } as const;
    await tx.promo.update({ where: { id: promoId }, data: { active: false } });
    await auditChange(tx, actor, { action: "promo.disable", targetType: "promo", targetId: promoId, before: { active: before.active }, after: { active: false }, extra: { planId: before.planId } });
    return { ok: true, planId: before.planId } as const;
  });
}

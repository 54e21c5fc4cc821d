import { Hono } from "hono";
import { z } from "zod";
import type { PrismaClient } from "../../../db/client.js";
import { parseJakartaDate } from "../../../shop/catalog/admin/input.js";
import { couponCard, couponRedemptions, createCoupon, listCoupons, setCouponActive, type CouponDraft } from "../../../shop/coupons-admin/coupons.js";
import { appError, idParam, jsonBody } from "../reply.js";
import { actorFor, requirePermission, type StaffEnv } from "./guard.js";

/** A new coupon as the form sends it; the rules themselves are couponProblem's (the same as /coupons). */
const draftBody = z.object({
  code: z.string().trim().toUpperCase(),
  kind: z.enum(["PERCENT", "FIXED"]),
  value: z.number().int(),
  maxDiscountIdr: z.number().int().nullable().default(null),
  minOrderIdr: z.number().int().nullable().default(null),
  /** Jakarta dates ("2026-12-31" or "2026-12-31 18:30"); the end day is inclusive. */
  validFrom: z.string().nullable().default(null),
  validTo: z.string().nullable().default(null),
  usageLimit: z.number().int().nullable().default(null),
  perUserLimit: z.number().int().nullable().default(null),
  firstOrderOnly: z.boolean().default(false),
  planIds: z.array(z.number().int().positive()).max(200).default([]),
  durations: z.array(z.number().int()).max(36).default([]),
});

function toDraft(body: z.infer<typeof draftBody>): CouponDraft | "window" {
  const from = body.validFrom ? parseJakartaDate(body.validFrom) : null;
  const to = body.validTo ? parseJakartaDate(body.validTo, { endOfDay: true }) : null;
  if ((from && !from.ok) || (to && !to.ok)) return "window";
  return { ...body, validFrom: from?.ok ? from.value : null, validTo: to?.ok ? to.value : null };
}

const page = (text: string | undefined) => Math.max(0, Math.min(10_000, Number(text ?? 0) || 0));

/** Coupons as /coupons shows them: the list with use, one coupon with who redeemed it, on/off. */
export function couponsApi(deps: { prisma: PrismaClient }) {
  const app = new Hono<StaffEnv>();
  app.use("*", requirePermission("coupons.manage"));

  app.get("/", async (c) => c.json(await listCoupons(deps.prisma, page(c.req.query("page")))));

  app.post("/", async (c) => {
    const body = draftBody.safeParse(await jsonBody(c));
    if (!body.success) return appError(c, 400, "bad_request", "A coupon needs code, kind (PERCENT|FIXED) and value.");
    const draft = toDraft(body.data);
    if (draft === "window") return appError(c, 400, "window", "Dates are YYYY-MM-DD or YYYY-MM-DD HH:MM (WIB).");
    const done = await createCoupon(deps.prisma, actorFor(c, "coupons.manage"), draft);
    if (!done.ok) return appError(c, done.reason === "duplicate" ? 409 : 400, done.reason, `The coupon was not created: ${done.reason}.`);
    return c.json({ ok: true, couponId: done.couponId }, 201);
  });

  app.get("/:id", async (c) => {
    const id = idParam(c.req.param("id"));
    const card = id ? await couponCard(deps.prisma, id) : null;
    if (!id || !card) return appError(c, 404, "not_found", "No such coupon.");
    const redemptions = await couponRedemptions(deps.prisma, id, page(c.req.query("page")));
    return c.json({
      ...card,
      redemptions: {
        ...redemptions,
        rows: redemptions.rows.map((r) => ({ ...r, user: { ...r.user, telegramId: Number(r.user.telegramId) } })),
      },
    });
  });

  app.put("/:id/active", async (c) => {
    const id = idParam(c.req.param("id"));
    const body = z.object({ active: z.boolean() }).safeParse(await jsonBody(c));
    if (!id || !body.success) return appError(c, 400, "bad_request", "Send {\"active\": true|false}.");
    const done = await setCouponActive(deps.prisma, actorFor(c, "coupons.manage"), { id, active: body.data.active });
    return done.ok ? c.json({ ok: true }) : appError(c, 404, "not_found", "No such coupon.");
  });

  return app;
}

import { Hono, type Context } from "hono";
import { z } from "zod";
import type { PrismaClient } from "../../../db/client.js";
import { MAX_IDR } from "../../../shop/catalog/admin/input.js";
import { MAX_MONTHS, MAX_STOCK, setPlanActive, setPlanPrice, setPlanPriceActive, setPlanStock, setResellerPrice, type StockResult } from "../../../shop/catalog/admin/plans.js";
import { priceGrid } from "../../../shop/miniapp/staff/price-grid.js";
import { appError, idParam, jsonBody } from "../reply.js";
import { actorFor, requirePermission, type StaffEnv } from "./guard.js";

const priceBody = z.object({ priceIdr: z.number().int().min(1).max(MAX_IDR) });
const tierPriceBody = z.object({ priceIdr: z.number().int().min(1).max(MAX_IDR).nullable() });
const activeBody = z.object({ active: z.boolean() });
const stockBody = z.object({ stock: z.number().int().min(0).max(MAX_STOCK).nullable(), expected: z.number().int().nullable().optional() });

function months(text: string | undefined): number | null {
  const n = idParam(text);
  return n !== null && n <= MAX_MONTHS ? n : null;
}

/**
 * The catalog & price editor: the plans × durations table and its edits, each through the same
 * function /shop uses (one transaction with its audit row; the catalog's version moves with it).
 */
export function catalogApi(deps: { prisma: PrismaClient }) {
  const app = new Hono<StaffEnv>();
  app.use("*", requirePermission("catalog.manage"));

  /** Turns the domain's answer into HTTP: 200, 404, 400 or 409 (stock changed meanwhile). */
  const answer = (c: Context<StaffEnv>, result: StockResult) => {
    if (result.ok) return c.json({ ok: true });
    if (result.reason === "not_found") return appError(c, 404, "not_found", "No such plan or price.");
    if (result.reason === "changed") return c.json({ error: "stock_changed", message: "Units were sold since the form opened.", current: result.current }, 409);
    return appError(c, 400, "invalid", "That value is not allowed.");
  };

  app.get("/", async (c) => c.json(await priceGrid(deps.prisma)));

  app.put("/plans/:id/prices/:months", async (c) => {
    const [planId, m] = [idParam(c.req.param("id")), months(c.req.param("months"))];
    const body = priceBody.safeParse(await jsonBody(c));
    if (!planId || !m || !body.success) return appError(c, 400, "bad_request", `A price is a whole number of rupiah from 1 to ${MAX_IDR}, for 1–${MAX_MONTHS} months.`);
    return answer(c, await setPlanPrice(deps.prisma, actorFor(c, "catalog.manage"), { planId, months: m, priceIdr: body.data.priceIdr }));
  });

  // A reseller tier's price for one duration; null takes it away (the tier pays the public price).
  app.put("/plans/:id/tiers/:tierId/prices/:months", async (c) => {
    const [planId, tierId, m] = [idParam(c.req.param("id")), idParam(c.req.param("tierId")), months(c.req.param("months"))];
    const body = tierPriceBody.safeParse(await jsonBody(c));
    if (!planId || !tierId || !m || !body.success) return appError(c, 400, "bad_request", `A price is a whole number of rupiah from 1 to ${MAX_IDR} (null: the public price), for 1–${MAX_MONTHS} months.`);
    return answer(c, await setResellerPrice(deps.prisma, actorFor(c, "catalog.manage"), { planId, tierId, months: m, priceIdr: body.data.priceIdr }));
  });

  app.put("/plans/:id/prices/:months/active", async (c) => {
    const [planId, m] = [idParam(c.req.param("id")), months(c.req.param("months"))];
    const body = activeBody.safeParse(await jsonBody(c));
    if (!planId || !m || !body.success) return appError(c, 400, "bad_request", "Send {\"active\": true|false}.");
    return answer(c, await setPlanPriceActive(deps.prisma, actorFor(c, "catalog.manage"), { planId, months: m, active: body.data.active }));
  });

  app.put("/plans/:id/active", async (c) => {
    const planId = idParam(c.req.param("id"));
    const body = activeBody.safeParse(await jsonBody(c));
    if (!planId || !body.success) return appError(c, 400, "bad_request", "Send {\"active\": true|false}.");
    return answer(c, await setPlanActive(deps.prisma, actorFor(c, "catalog.manage"), { planId, active: body.data.active }));
  });

  app.put("/plans/:id/stock", async (c) => {
    const planId = idParam(c.req.param("id"));
    const body = stockBody.safeParse(await jsonBody(c));
    if (!planId || !body.success) return appError(c, 400, "bad_request", `Stock is a whole number from 0 to ${MAX_STOCK}, or null for unlimited.`);
    const input = { planId, stock: body.data.stock, ...(body.data.expected !== undefined ? { expected: body.data.expected } : {}) };
    return answer(c, await setPlanStock(deps.prisma, actorFor(c, "catalog.manage"), input));
  });

  return app;
}

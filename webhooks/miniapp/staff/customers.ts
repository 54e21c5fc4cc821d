import { Hono } from "hono";
import { z } from "zod";
import type { PrismaClient } from "../../../db/client.js";
import { cleanReason } from "../../../shop/customers/actor.js";
import { banCustomer, unbanCustomer } from "../../../shop/customers/ban.js";
import { customerCard } from "../../../shop/customers/card.js";
import { findCustomers } from "../../../shop/customers/lookup.js";
import { assignableTiers, setResellerTier } from "../../../shop/customers/tier.js";
import type { UserDirectory } from "../../../shop/users/directory.js";
import { walletHistory } from "../../../shop/wallet/balance.js";
import { appError, idParam, jsonBody } from "../reply.js";
import { actorFor, requirePermission, type StaffEnv } from "./guard.js";

/** Ledger lines per page in the customer's statement. */
export const LEDGER_PAGE_SIZE = 20;

/**
 * Customers as /customer shows them: look up by @username, Telegram id or part of a name, the
 * card (orders, VPS, wallet, tier, ban) and the wallet statement; setting the reseller tier and
 * banning or unbanning (with a reason) need customers.manage, as in the chat.
 */
export function customersApi(deps: { prisma: PrismaClient; users: Pick<UserDirectory, "forget"> }) {
  const app = new Hono<StaffEnv>();

  app.get("/", requirePermission("customers.view"), async (c) => {
    const q = (c.req.query("q") ?? "").trim();
    if (q.length === 0) return appError(c, 400, "bad_request", "Type @username, a Telegram id or part of a name.");
    const found = await findCustomers(deps.prisma, q);
    return c.json({ customers: found.found === "none" ? [] : found.found === "one" ? [found.customer] : found.customers });
  });

  app.get("/tiers", requirePermission("customers.manage"), async (c) => c.json({ tiers: await assignableTiers(deps.prisma) }));

  app.get("/:id", requirePermission("customers.view"), async (c) => {
    const id = idParam(c.req.param("id"));
    const card = id ? await customerCard(deps.prisma, id) : null;
    return card ? c.json(card) : appError(c, 404, "not_found", "No such customer.");
  });

  app.get("/:id/ledger", requirePermission("customers.view"), async (c) => {
    const id = idParam(c.req.param("id"));
    if (!id) return appError(c, 404, "not_found", "No such customer.");
    return c.json(await walletHistory(deps.prisma, id, { page: Number(c.req.query("page") ?? 1) || 1, pageSize: LEDGER_PAGE_SIZE }));
  });

  app.put("/:id/tier", requirePermission("customers.manage"), async (c) => {
    const id = idParam(c.req.param("id"));
    const body = z.object({ tierId: z.number().int().positive().nullable() }).safeParse(await jsonBody(c));
    if (!id || !body.success) return appError(c, 400, "bad_request", "Send {\"tierId\": <id> | null}.");
    const done = await setResellerTier(deps.prisma, deps.users, { customerId: id, tierId: body.data.tierId, staff: actorFor(c, "customers.manage") });
    return done.ok ? c.json({ ok: true, changed: done.changed }) : appError(c, 404, done.reason, done.reason === "not_found" ? "No such customer." : "No such active tier.");
  });

  const BAN_REFUSED = { self: "You cannot ban yourself.", owner: "An owner is never restricted.", staff: "Only an owner bans or unbans a staff member." } as const;

  app.put("/:id/ban", requirePermission("customers.manage"), async (c) => {
    const id = idParam(c.req.param("id"));
    const body = z.object({ banned: z.boolean(), reason: z.string() }).safeParse(await jsonBody(c));
    const reason = body.success ? cleanReason(body.data.reason) : null;
    if (!id || !body.success || !reason) return appError(c, 400, "bad_request", "Send {\"banned\": true|false, \"reason\": \"3–500 characters\"}.");
    const input = { customerId: id, staff: actorFor(c, "customers.manage"), reason };
    const done = body.data.banned ? await banCustomer(deps.prisma, input) : await unbanCustomer(deps.prisma, input);
    if (!done.ok) return done.reason === "not_found" ? appError(c, 404, "not_found", "No such customer.") : appError(c, 409, done.reason, BAN_REFUSED[done.reason]);
    // Their next request (chat or app) must see the change, not a cached copy.
    await deps.users.forget(done.telegramId);
    return c.json({ ok: true, changed: done.changed });
  });

  return app;
}

import { Hono } from "hono";
import { z } from "zod";
import type { PrismaClient } from "../../../db/client.js";
import { orderDecided } from "../../../jobs/card-edits.js";
import { jobId, QueueName, type Queues } from "../../../jobs/queues.js";
import type { CloudProviders } from "../../../shop/cloud/providers.js";
import { formatIdr } from "../../../shop/money.js";
import { addOrderNote, cancelOrder, refundOrderToWallet } from "../../../shop/orders/console/actions.js";
import { loadOrderCard } from "../../../shop/orders/console/card.js";
import { orderHistory, orderPayments } from "../../../shop/orders/console/drill.js";
import { CONSOLE_PROVIDERS, CONSOLE_STATUSES, jakartaDay, parseOrderFilter, type OrderFilter } from "../../../shop/orders/console/filters.js";
import { searchOrders } from "../../../shop/orders/console/search.js";
import { retryProvisioning } from "../../../shop/provisioning/staff-actions.js";
import { appError, idParam, jsonBody } from "../reply.js";
import { actorFor, requirePermission, type StaffEnv } from "./guard.js";

export interface OrdersApiDeps {
  prisma: PrismaClient;
  /** Where the customer's notices, the retried provisioning job and the staff cards' edits are queued, as from the bot's console. */
  queues: Queues;
  /** A refunded failed order's server is deleted at its provider. */
  providers: CloudProviders;
}

/** Rows per page of the orders table (a phone shows about this many without scrolling far). */
export const TABLE_PAGE_SIZE = 20;

type FilterResult = { ok: true; filter: OrderFilter } | { ok: false; bad: string };

/**
 * The table's filters, read with the console's own rules: `q` is what staff type after /order
 * (a reference, @username, a Telegram id, part of a name, status:…), the dropdowns add status,
 * provider and a Jakarta-day range.
 */
export function filterFromQuery(query: Record<string, string | undefined>): FilterResult {
  const parsed = parseOrderFilter(query.q ?? "");
  if (!parsed.ok) return parsed;
  const filter = { ...parsed.filter };
  if (query.status) {
    const status = CONSOLE_STATUSES.find((s) => s === query.status);
    if (!status) return { ok: false, bad: `status=${query.status}` };
    filter.status = status;
  }
  if (query.provider) {
    const provider = CONSOLE_PROVIDERS.find((p) => p === query.provider);
    if (!provider) return { ok: false, bad: `provider=${query.provider}` };
    filter.provider = provider;
  }
  for (const key of ["from", "to"] as const) {
    const text = query[key];
    if (!text) continue;
    const day = jakartaDay(text);
    if (!day) return { ok: false, bad: `${key}=${text}` };
    filter[key] = key === "from" ? day : new Date(day.getTime() + 86_400_000);
  }
  if (filter.from && filter.to && filter.from >= filter.to) return { ok: false, bad: "from > to" };
  return { ok: true, filter };
}

const reasonBody = z.object({ reason: z.string().trim().min(3).max(500) });
const noteBody = z.object({ note: z.string().trim().min(1).max(300) });

/** The orders table, an order's card with its timeline, and the card's actions (note, cancel, retry, refund). */
export function ordersApi(deps: OrdersApiDeps) {
  const app = new Hono<StaffEnv>();

  app.get("/", requirePermission("orders.view"), async (c) => {
    const filter = filterFromQuery(c.req.query());
    if (!filter.ok) return appError(c, 400, "bad_filter", `Not a filter: ${filter.bad}`);
    const before = idParam(c.req.query("before"));
    const after = idParam(c.req.query("after"));
    const cursor = { ...(before ? { before } : {}), ...(after && !before ? { after } : {}) };
    const page = await searchOrders(deps.prisma, filter.filter, cursor, TABLE_PAGE_SIZE);
    return c.json({ ...page, statuses: CONSOLE_STATUSES, providers: CONSOLE_PROVIDERS });
  });

  app.get("/:ref", requirePermission("orders.view"), async (c) => {
    const ref = c.req.param("ref");
    const id = idParam(ref);
    if (!id && !/^ORD-[A-Z0-9-]{4,40}$/i.test(ref)) return appError(c, 400, "bad_reference", "An order is named by its id or its ORD-… reference.");
    const card = await loadOrderCard(deps.prisma, id ?? ref);
    if (!card) return appError(c, 404, "not_found", `No order ${ref}.`);
    const [timeline, payments] = await Promise.all([orderHistory(deps.prisma, card.order.id), orderPayments(deps.prisma, card.order.id)]);
    return c.json({ order: card.order, notes: card.notes, offers: card.can, timeline, payments });
  });

  app.post("/:id/notes", requirePermission("orders.manage"), async (c) => {
    const orderId = idParam(c.req.param("id"));
    const body = noteBody.safeParse(await jsonBody(c));
    if (!orderId || !body.success) return appError(c, 400, "bad_request", "A note of 1–300 characters is needed.");
    const done = await addOrderNote(deps.prisma, { orderId, staff: actorFor(c, "orders.manage"), note: body.data.note });
    return done.ok ? c.json({ ok: true, reference: done.reference }) : appError(c, 404, "not_found", done.why);
  });

  app.post("/:id/cancel", requirePermission("orders.manage"), async (c) => {
    const orderId = idParam(c.req.param("id"));
    const body = reasonBody.safeParse(await jsonBody(c));
    if (!orderId || !body.success) return appError(c, 400, "bad_request", "A reason of 3–500 characters is needed.");
    const done = await cancelOrder(deps.prisma, { orderId, staff: actorFor(c, "orders.manage"), reason: body.data.reason });
    if (!done.ok) return appError(c, done.why === "order not found" ? 404 : 409, "refused", done.why);
    await deps.queues.enqueue(
      QueueName.Notifications,
      { chatId: done.chatId, key: "ordc-notify-cancelled", params: { reference: done.reference, reason: body.data.reason.slice(0, 300) } },
      { jobId: jobId("oc-cancelled", orderId) },
    );
    return c.json({ ok: true, reference: done.reference });
  });

  // Provisioning again after a failure (or a stall), as the card's 🔁 button: the staff cards of
  // the failure say who decided, and the job id is the retry's audit row (a new one per retry).
  app.post("/:id/retry", requirePermission("provisioning.retry"), async (c) => {
    const orderId = idParam(c.req.param("id"));
    if (!orderId) return appError(c, 404, "not_found", "No such order.");
    const staff = actorFor(c, "provisioning.retry");
    const done = await retryProvisioning(deps, orderId, staff);
    if (!done.ok) return appError(c, done.why === "order not found" ? 404 : 409, "refused", done.why);
    await orderDecided(deps, done.orderId, "retried", { userId: staff.userId, name: c.get("appUser").firstName });
    const queued = await deps.queues.enqueue(QueueName.Provisioning, { orderId: done.orderId }, { jobId: jobId("provision", done.orderId, "retry", done.retryId ?? done.attempt ?? 1) });
    return c.json({ ok: true, reference: done.reference, attempt: done.attempt ?? 1, queued: queued !== undefined });
  });

  // Money back to the wallet (a failed order, or money of it held in review), as the card's refund button.
  app.post("/:id/refund", requirePermission("orders.refund"), async (c) => {
    const orderId = idParam(c.req.param("id"));
    if (!orderId) return appError(c, 404, "not_found", "No such order.");
    const staff = actorFor(c, "orders.refund");
    const done = await refundOrderToWallet(deps, { orderId, staff });
    if (!done.ok) return appError(c, done.why === "order not found" ? 404 : 409, "refused", done.why);
    if (done.how === "failed-order") await orderDecided(deps, orderId, "refunded", { userId: staff.userId, name: c.get("appUser").firstName });
    const amount = formatIdr(done.amountIdr);
    await deps.queues.enqueue(QueueName.Notifications, { chatId: done.chatId, key: "notify-refunded", params: { reference: done.reference, amount } }, { jobId: jobId("refunded", orderId) });
    return c.json({ ok: true, reference: done.reference, amountIdr: done.amountIdr });
  });

  return app;
}

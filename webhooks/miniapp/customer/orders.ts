import { createHmac, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import type { PrismaClient } from "../../../db/client.js";
import { dispatchSettlement } from "../../../jobs/dispatch-settlement.js";
import type { Queues } from "../../../jobs/queues.js";
import { listUserOrders } from "../../../shop/orders/queries.js";
import type { Checkout } from "../../../shop/payments/checkout.js";
import { invoicePdfFor, listInvoices } from "../../../shop/resellers/invoices.js";
import { payOrderFromWallet } from "../../../shop/wallet/ledger.js";
import type { AppEnv } from "../../http.js";
import { appError, idParam } from "../reply.js";
import type { MiniAppEnv } from "../session.js";

export interface OrderRouteDeps {
  prisma: PrismaClient;
  queues: Queues;
  checkout: Checkout;
  shopName: string;
  /** Signs invoice download links (the bot token: only this service knows it). */
  botToken: string;
}

const PAGE_SIZE = 10;
/** An invoice link works this long: Telegram's downloader (WebApp.downloadFile) fetches it right away. */
const LINK_TTL_S = 300;

const pageParam = (raw: string | undefined): number => (raw && /^\d{1,4}$/.test(raw) ? Number(raw) : 0);

function linkSignature(botToken: string, userId: number, orderId: number, exp: number): string {
  const key = createHmac("sha256", "MiniAppInvoiceLink").update(botToken).digest();
  return createHmac("sha256", key).update(`${userId}.${orderId}.${exp}`).digest("hex");
}

/**
 * Orders and invoices: the customer's orders and paid invoices a page at a time (the bot's
 * `listUserOrders` / `listInvoices`), paying an open order from the wallet (the bot's
 * `checkout.payable` + `payOrderFromWallet`, then the same settlement follow-up), and invoice
 * PDFs. A PDF is fetched through a signed link valid for minutes, because Telegram's file
 * downloader (and a plain browser download) cannot send the session's bearer header.
 */
export function orderRoutes(deps: OrderRouteDeps): Hono<MiniAppEnv> {
  const app = new Hono<MiniAppEnv>();

  app.get("/orders", async (c) => {
    const page = pageParam(c.req.query("page"));
    const { total, items } = await listUserOrders(deps.prisma, c.get("appUser").id, page, PAGE_SIZE);
    return c.json({ total, page, pageSize: PAGE_SIZE, items });
  });

  app.get("/invoices", async (c) => {
    const page = pageParam(c.req.query("page"));
    const { total, items } = await listInvoices(deps.prisma, c.get("appUser").id, page, PAGE_SIZE);
    return c.json({ total, page, pageSize: PAGE_SIZE, items });
  });

  app.post("/invoices/:orderId/link", async (c) => {
    const user = c.get("appUser");
    const orderId = idParam(c.req.param("orderId"));
    if (orderId === null) return appError(c, 404, "invoice_not_found", "no invoice for that order among yours");
    // Signed for this user: the download itself finds the invoice only among their paid orders.
    const exp = Math.floor(Date.now() / 1000) + LINK_TTL_S;
    const sig = linkSignature(deps.botToken, user.id, orderId, exp);
    return c.json({ url: `/app/files/invoice/${orderId}?u=${user.id}&exp=${exp}&sig=${sig}`, expiresAt: new Date(exp * 1000).toISOString() });
  });

  app.post("/orders/:id/pay-wallet", async (c) => {
    const user = c.get("appUser");
    const orderId = idParam(c.req.param("id"));
    const check = orderId === null ? ({ ok: false, reason: "not_found" } as const) : await deps.checkout.payable(orderId, user.id);
    if (!check.ok) {
      if (check.reason === "not_found") return appError(c, 404, "order_not_found", "no such order among yours");
      return appError(c, 409, check.reason, check.reason === "sold_out" ? "this plan cannot be created right now" : `the order is ${check.status ?? "not payable"}`);
    }
    const result = await payOrderFromWallet(deps.prisma, { orderId: check.order.id, userId: user.id });
    if (!result.ok) {
      if (result.reason === "insufficient") return appError(c, 409, "insufficient_balance", `the wallet holds ${result.balanceIdr}, the order needs ${result.neededIdr}`);
      if (result.reason === "held") return appError(c, 409, "wallet_held", "the wallet is on hold: ask the shop");
      return appError(c, 409, "not_payable", "the order cannot be paid now");
    }
    await dispatchSettlement(deps.queues, { result: "paid", orderId: check.order.id, paymentId: result.paymentId });
    return c.json({ orderId: check.order.id, balanceAfterIdr: result.balanceAfterIdr });
  });

  return app;
}

/** `GET /files/invoice/:orderId?u&exp&sig`: the PDF behind a link from `POST /api/invoices/:id/link`. */
export function invoiceFileRoutes(deps: Pick<OrderRouteDeps, "prisma" | "shopName" | "botToken">): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/invoice/:orderId", async (c) => {
    const orderId = idParam(c.req.param("orderId"));
    const userId = idParam(c.req.query("u"));
    const exp = Number(c.req.query("exp"));
    const sig = c.req.query("sig") ?? "";
    if (orderId === null || userId === null || !Number.isSafeInteger(exp) || !/^[0-9a-f]{64}$/.test(sig)) return appError(c, 400, "bad_link", "not an invoice link");
    const expected = Buffer.from(linkSignature(deps.botToken, userId, orderId, exp), "hex");
    if (!timingSafeEqual(expected, Buffer.from(sig, "hex"))) return appError(c, 403, "bad_link", "this link is not valid");
    if (exp < Date.now() / 1000) return appError(c, 403, "link_expired", "this link has expired: download again from the app");
    const invoice = await invoicePdfFor(deps.prisma, { userId, orderId, shopName: deps.shopName });
    if (!invoice) return appError(c, 404, "invoice_not_found", "no invoice for that order");
    return new Response(new Uint8Array(invoice.pdf), {
      headers: { "content-type": "application/pdf", "content-disposition": `attachment; filename="invoice-${invoice.reference}.pdf"`, "cache-control": "private, no-store" },
    });
  });
  return app;
}

import { OpenAPIHono, z } from "@hono/zod-openapi";
import { invoicePdfFor, listInvoices } from "../../../shop/resellers/invoices.js";
import type { ApiDeps } from "../deps.js";
import { apiError, keyedRoute, type ApiEnv } from "../guards.js";
import { COMMON_ERRORS, errorResponse, InvoiceListSchema, json, PageQuery } from "../schemas.js";

const listRoute = keyedRoute("read", {
  operationId: "listInvoices",
  method: "get",
  path: "/",
  tags: ["Invoices"],
  summary: "Invoices of your paid orders, newest payment first",
  request: { query: PageQuery },
  responses: { 200: json(InvoiceListSchema, "A page of invoices."), ...COMMON_ERRORS, 400: errorResponse("Bad query.") },
});

const pdfRoute = keyedRoute("read", {
  operationId: "getInvoicePdf",
  method: "get",
  path: "/{reference}/pdf",
  tags: ["Invoices"],
  summary: "An invoice as PDF",
  description: "The same document the chat sends, drawn again from the shop's records.",
  request: { params: z.object({ reference: z.string().max(40).openapi({ param: { name: "reference", in: "path" }, example: "ORD-20261204-AB12C" }) }) },
  responses: {
    200: { content: { "application/pdf": { schema: z.string().openapi({ format: "binary" }) } }, description: "The PDF." },
    ...COMMON_ERRORS,
    404: errorResponse("Not one of your paid orders."),
  },
});

/** /invoices: the list and each PDF (shop/resellers/invoices.ts, as /invoices in the chat). */
export function invoiceRoutes(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();

  app.openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const { total, items } = await listInvoices(deps.prisma, c.get("apiKey").user.id, q.page, q.page_size);
    return c.json(
      {
        total,
        invoices: items.map((i) => ({
          order_reference: i.reference,
          kind: i.kind,
          plan_name: i.planName,
          client_label: i.clientLabel,
          total_idr: i.totalIdr,
          paid_at: i.paidAt.toISOString(),
          pdf_path: `/api/v1/invoices/${encodeURIComponent(i.reference)}/pdf`,
        })),
      },
      200,
    );
  });

  app.openapi(pdfRoute, async (c) => {
    const userId = c.get("apiKey").user.id;
    const order = await deps.prisma.order.findFirst({ where: { userId, reference: c.req.valid("param").reference }, select: { id: true } });
    const invoice = order ? await invoicePdfFor(deps.prisma, { userId, orderId: order.id, shopName: deps.settings.shopName }) : null;
    if (!invoice) return apiError(c, 404, "not_found", "no invoice for this order");
    return c.body(new Uint8Array(invoice.pdf), 200, { "content-type": "application/pdf", "content-disposition": `attachment; filename="invoice-${invoice.reference}.pdf"` });
  });

  return app;
}

import { OpenAPIHono, z } from "@hono/zod-openapi";
import { dispatchSettlement } from "../../../jobs/dispatch-settlement.js";
import { placeApiOrder, type PlaceOrderResult } from "../../../shop/api/place-order.js";
import { apiOrder, apiOrdersByIds, listApiOrders } from "../../../shop/api/views.js";
import type { ApiDeps } from "../deps.js";
import { apiError, beforeChange, keyedRoute, type ApiEnv } from "../guards.js";
import { COMMON_ERRORS, conflict, CreatedOrdersSchema, CreateOrderBody, errorResponse, IdempotencyHeaders, json, OrderListSchema, OrderSchema, PageQuery, POST_ERRORS, RETRY_AFTER } from "../schemas.js";

const createOrderRoute = keyedRoute("order", {
  operationId: "createOrder",
  method: "post",
  path: "/",
  tags: ["Orders"],
  summary: "Order and pay VPS from the wallet",
  description:
    "Places `quantity` identical VPS orders (one per VPS) at your reseller price and pays them all from your wallet balance, or none. Each order is then provisioned; `vps.active` is sent to your webhook when its VPS is up.",
  request: { headers: IdempotencyHeaders, body: { content: { "application/json": { schema: CreateOrderBody } }, required: true } },
  responses: {
    201: json(CreatedOrdersSchema, "Placed and paid."),
    ...POST_ERRORS,
    409: conflict("`price_changed`: each VPS costs another price than `expected_unit_price_idr` now (the message says how much)."),
    429: errorResponse(
      "Over the key's requests per minute (`rate_limited`), too many refused keys from your address (`too_many_failed_keys`), or more than 10 VPS ordered in a minute (`rate_limited`, the chat's limit too); wait `Retry-After` seconds.",
      RETRY_AFTER,
    ),
    402: errorResponse("Wallet balance too low (`insufficient_balance`), or the wallet is on hold."),
    404: errorResponse("No such plan, or the image is not offered for it."),
    422: errorResponse("The plan, duration or image cannot be bought now, the region does not match, or the label is not allowed."),
  },
});

const listOrdersRoute = keyedRoute("read", {
  operationId: "listOrders",
  method: "get",
  path: "/",
  tags: ["Orders"],
  summary: "Your orders, newest first",
  request: { query: PageQuery.extend({ client_label: z.string().max(64).optional().openapi({ param: { name: "client_label", in: "query" } }) }) },
  responses: { 200: json(OrderListSchema, "A page of orders."), ...COMMON_ERRORS, 400: errorResponse("Bad query.") },
});

const getOrderRoute = keyedRoute("read", {
  operationId: "getOrder",
  method: "get",
  path: "/{reference}",
  tags: ["Orders"],
  summary: "One order and its status",
  request: { params: z.object({ reference: z.string().max(40).openapi({ param: { name: "reference", in: "path" }, example: "ORD-20261204-AB12C" }) }) },
  responses: { 200: json(OrderSchema, "The order."), ...COMMON_ERRORS, 404: errorResponse("Not one of your orders.") },
});

type Refusal = Extract<PlaceOrderResult, { ok: false }>;

const REFUSALS: Record<Refusal["reason"], { status: 402 | 404 | 409 | 422 | 429; message: string }> = {
  plan_not_found: { status: 404, message: "no plan with this code" },
  image_not_found: { status: 404, message: "this image is not offered for the plan's provider" },
  region_mismatch: { status: 422, message: "the plan is in another region" },
  plan_unavailable: { status: 422, message: "the plan is not on sale" },
  sold_out: { status: 422, message: "the plan is sold out" },
  duration_unavailable: { status: 422, message: "the plan has no price for this duration" },
  image_unavailable: { status: 422, message: "the image is not available for this plan" },
  quantity_not_allowed: { status: 422, message: "quantity must be 1-10" },
  bad_label: { status: 422, message: "client_label: up to 32 letters, digits, spaces and . , - _ & ( ) # / + ' @" },
  price_changed: { status: 409, message: "the price is not expected_unit_price_idr" },
  insufficient_balance: { status: 402, message: "wallet balance too low" },
  held: { status: 402, message: "the wallet is on hold; contact the shop" },
  not_payable: { status: 422, message: "the order could not be paid" },
  rate_limited: { status: 429, message: "at most 10 VPS ordered a minute" },
};

/** /orders: place (and pay) orders, list them, read one. */
export function orderRoutes(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();

  app.openapi(createOrderRoute, async (c) => {
    const body = c.req.valid("json");
    const { user, prefix } = c.get("apiKey");
    const result = await placeApiOrder(
      { prisma: deps.prisma, catalog: deps.catalog, redis: deps.redis, queuePrefix: deps.settings.queuePrefix, paymentTtlHours: deps.settings.paymentTtlHours, payable: deps.payable },
      {
        buyer: { userId: user.id, resellerTierId: user.resellerTierId },
        planCode: body.plan,
        durationMonths: body.duration_months,
        imageCode: body.image,
        quantity: body.quantity,
        keyPrefix: prefix,
        beforePayment: () => beforeChange(c),
        ...(body.region !== undefined ? { region: body.region } : {}),
        ...(body.client_label !== undefined ? { clientLabel: body.client_label } : {}),
        ...(body.expected_unit_price_idr !== undefined ? { expectedUnitPriceIdr: body.expected_unit_price_idr } : {}),
      },
    );
    if (!result.ok) {
      const { status, message } = REFUSALS[result.reason];
      const detail =
        result.reason === "insufficient_balance" ? `${message}: balance ${result.balanceIdr}, needed ${result.neededIdr}`
        : result.reason === "price_changed" ? `${message}: each VPS costs ${result.unitPriceIdr} now`
        : message;
      // The chat's order limit counts per minute: the next minute has room again.
      const retry = result.reason === "rate_limited" ? { "retry-after": String(60 - new Date().getUTCSeconds()) } : undefined;
      // (`as 422`: a union of statuses defeats the per-status typing of the route's answers.)
      return apiError(c, status as 422, result.reason, detail, retry);
    }
    // After the commit, one settlement per order, exactly as the chat's "pay all from balance".
    for (const order of result.orders) await dispatchSettlement(deps.queues, { result: "paid", orderId: order.id, paymentId: order.paymentId });
    const orders = await apiOrdersByIds(deps.prisma, user.id, result.orders.map((o) => o.id));
    return c.json({ orders, paid_idr: result.paidIdr, balance_after_idr: result.balanceAfterIdr }, 201);
  });

  app.openapi(listOrdersRoute, async (c) => {
    const q = c.req.valid("query");
    const page = await listApiOrders(deps.prisma, c.get("apiKey").user.id, { page: q.page, pageSize: q.page_size, ...(q.client_label !== undefined ? { label: q.client_label } : {}) });
    return c.json(page, 200);
  });

  app.openapi(getOrderRoute, async (c) => {
    const order = await apiOrder(deps.prisma, c.get("apiKey").user.id, c.req.valid("param").reference);
    if (!order) return apiError(c, 404, "not_found", "no such order");
    return c.json(order, 200);
  });

  return app;
}

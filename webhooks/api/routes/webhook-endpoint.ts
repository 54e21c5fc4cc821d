import { OpenAPIHono } from "@hono/zod-openapi";
import { disableWebhookEndpoint, getWebhookEndpoint, listWebhookDeliveries, rotateWebhookSecret, setWebhookEndpoint, type EndpointView, type UrlRejection } from "../../../shop/api/webhook-endpoint.js";
import type { ApiDeps } from "../deps.js";
import { apiError, beforeChange, keyedRoute, type ApiEnv } from "../guards.js";
import { COMMON_ERRORS, DeliveryListSchema, errorResponse, IdempotencyHeaders, json, MAINTENANCE_ERROR, PageQuery, POST_ERRORS, WebhookEndpointBody, WebhookEndpointSchema } from "../schemas.js";

const SIGNING = [
  "Events (`order.paid`, `vps.active`, `vps.provision_failed`, `vps.expiring`, `vps.action_done`) are POSTed as JSON `{id, type, created_at, data}`; `data` carries ids, the order reference and client label, never a password.",
  "Headers: `X-Shop-Event`, `X-Shop-Delivery` and `X-Shop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>`: compute the HMAC over the raw body as received, compare in constant time, and refuse a `t` more than 5 minutes away.",
  "Answer 2xx; anything else (or no answer within the timeout, 10 s by default) is retried after 10 s, 1 min, 5 min, 30 min, 2 h and 6 h, and every attempt shows in GET /webhook-deliveries.",
].join(" ");

const getRoute = keyedRoute("read", {
  operationId: "getWebhookEndpoint",
  method: "get",
  path: "/webhook-endpoint",
  tags: ["Webhooks"],
  summary: "Your webhook endpoint",
  description: `The URL your signed events go to (never the secret). ${SIGNING}`,
  responses: { 200: json(WebhookEndpointSchema, "The endpoint."), ...COMMON_ERRORS, 404: errorResponse("No endpoint set.") },
});

const putRoute = keyedRoute("order", {
  operationId: "setWebhookEndpoint",
  method: "put",
  path: "/webhook-endpoint",
  tags: ["Webhooks"],
  summary: "Set the webhook URL",
  description: `Sets the URL and switches the endpoint on. The first time, the answer carries the signing \`secret\` (shown once); later changes keep it. https only.`,
  request: { body: { content: { "application/json": { schema: WebhookEndpointBody } }, required: true } },
  responses: {
    200: json(WebhookEndpointSchema, "Saved."),
    ...COMMON_ERRORS,
    400: errorResponse("Invalid body."),
    422: errorResponse("Not an https URL, or a private/loopback host."),
    503: MAINTENANCE_ERROR,
  },
});

const deleteRoute = keyedRoute("order", {
  operationId: "disableWebhookEndpoint",
  method: "delete",
  path: "/webhook-endpoint",
  tags: ["Webhooks"],
  summary: "Switch the webhook endpoint off",
  description: "No new deliveries; the delivery log stays.",
  responses: { 204: { description: "Switched off." }, ...COMMON_ERRORS, 404: errorResponse("No endpoint switched on."), 503: MAINTENANCE_ERROR },
});

const rotateRoute = keyedRoute("order", {
  operationId: "rotateWebhookSecret",
  method: "post",
  path: "/webhook-endpoint/rotate-secret",
  tags: ["Webhooks"],
  summary: "Make a new signing secret",
  description: "Returns the new `secret` once; deliveries are signed with it from now on.",
  request: { headers: IdempotencyHeaders },
  responses: { 200: json(WebhookEndpointSchema, "Rotated."), ...POST_ERRORS, 404: errorResponse("No endpoint set.") },
});

const deliveriesRoute = keyedRoute("read", {
  operationId: "listWebhookDeliveries",
  method: "get",
  path: "/webhook-deliveries",
  tags: ["Webhooks"],
  summary: "The delivery log, newest first",
  description: "Each event sent to your endpoint: status, attempts, last HTTP status and error, next attempt.",
  request: { query: PageQuery },
  responses: { 200: json(DeliveryListSchema, "A page of deliveries."), ...COMMON_ERRORS, 400: errorResponse("Bad query.") },
});

const endpointJson = (e: EndpointView, secret?: string) => ({
  url: e.url,
  enabled: e.enabled,
  created_at: e.createdAt.toISOString(),
  updated_at: e.updatedAt.toISOString(),
  ...(secret ? { secret } : {}),
});

const URL_MESSAGES: Record<UrlRejection, string> = {
  invalid: "url is not an http(s) URL without user name, password or fragment, at most 2048 characters",
  not_https: "url must be https",
  private_host: "url points at a private or loopback host",
  unresolvable: "url's host name does not resolve",
};

/** The webhook endpoint (one per reseller) and its delivery log. */
export function webhookEndpointRoutes(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const policy = { encryptionKey: deps.settings.encryptionKey, allowPrivate: deps.settings.allowPrivateWebhooks };

  app.openapi(getRoute, async (c) => {
    const endpoint = await getWebhookEndpoint(deps.prisma, c.get("apiKey").user.id);
    if (!endpoint) return apiError(c, 404, "not_found", "no webhook endpoint set");
    return c.json(endpointJson(endpoint), 200);
  });

  app.openapi(putRoute, async (c) => {
    const result = await setWebhookEndpoint(deps.prisma, policy, { userId: c.get("apiKey").user.id, url: c.req.valid("json").url });
    if (!result.ok) return apiError(c, 422, `url_${result.reason}`, URL_MESSAGES[result.reason]);
    return c.json(endpointJson(result.endpoint, result.secret), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const result = await disableWebhookEndpoint(deps.prisma, c.get("apiKey").user.id);
    if (!result.ok) return apiError(c, 404, "not_found", "no webhook endpoint switched on");
    return c.body(null, 204);
  });

  app.openapi(rotateRoute, async (c) => {
    await beforeChange(c);
    const result = await rotateWebhookSecret(deps.prisma, policy, c.get("apiKey").user.id);
    if (!result.ok) return apiError(c, 404, "not_found", "no webhook endpoint set");
    return c.json(endpointJson(result.endpoint, result.secret), 200);
  });

  app.openapi(deliveriesRoute, async (c) => {
    const q = c.req.valid("query");
    const { total, items } = await listWebhookDeliveries(deps.prisma, c.get("apiKey").user.id, q.page, q.page_size);
    return c.json(
      {
        total,
        deliveries: items.map((d) => ({
          id: d.id,
          event_id: d.eventId,
          type: d.type,
          url: d.url,
          status: d.status,
          attempts: d.attempts,
          last_status: d.lastStatus,
          last_error: d.lastError,
          next_attempt_at: d.nextAttemptAt.toISOString(),
          delivered_at: d.deliveredAt?.toISOString() ?? null,
          created_at: d.createdAt.toISOString(),
        })),
      },
      200,
    );
  });

  return app;
}

/**
 * The reseller API's wire shapes: the zod schemas that validate requests are the ones the OpenAPI
 * document is generated from, so the two cannot drift. Field names are snake_case, money is
 * integer rupiah (`*_idr`), times are ISO 8601 UTC.
 */
import { MAX_LABEL_CHARS } from "../../shop/resellers/labels.js";
import { z } from "@hono/zod-openapi";

export const ErrorSchema = z
  .object({
    error: z.string().openapi({ example: "api_key_revoked", description: "A stable machine-readable code." }),
    message: z.string().openapi({ example: "this API key was revoked" }),
  })
  .openapi("Error");

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .openapi({ param: { name: "idempotency-key", in: "header", required: true }, example: "5f8c2e1a-4b7d-4c1e-9a55-2f0e6b1d3c77", description: "Unique per request you mean once; the same key and body replays the first answer." }),
});

export const PageQuery = z.object({
  page: z.coerce.number().int().min(0).max(100_000).default(0).openapi({ param: { name: "page", in: "query" }, example: 0 }),
  page_size: z.coerce.number().int().min(1).max(100).default(20).openapi({ param: { name: "page_size", in: "query" }, example: 20 }),
});

const PriceSchema = z
  .object({
    duration_months: z.number().int(),
    price_idr: z.number().int().openapi({ description: "What you pay: your tier price, or the public promo price when lower." }),
    public_price_idr: z.number().int(),
    source: z.enum(["public", "reseller"]),
    promo: z.object({ label: z.string(), ends_at: z.string() }).optional(),
  })
  .openapi("Price");

export const PlanSchema = z
  .object({
    code: z.string().openapi({ example: "do-s-1vcpu-1gb-sgp1" }),
    name: z.string(),
    provider: z.enum(["DIGITALOCEAN", "VULTR", "LINODE"]),
    provider_name: z.string(),
    region: z.string(),
    vcpu: z.number().int(),
    memory_mb: z.number().int(),
    disk_gb: z.number().int(),
    bandwidth_gb: z.number().int(),
    available: z.boolean(),
    prices: z.array(PriceSchema),
    images: z.array(z.object({ code: z.string().openapi({ example: "ubuntu-22.04" }), name: z.string() })),
  })
  .openapi("Plan");

export const CatalogSchema = z.object({ plans: z.array(PlanSchema) }).openapi("Catalog");

export const OrderStatusSchema = z.enum(["PENDING_PAYMENT", "PAYMENT_REVIEW", "PAID", "PROVISIONING", "ACTIVE", "PROVISIONING_FAILED", "EXPIRED", "CANCELLED", "REFUNDED"]);

export const OrderSchema = z
  .object({
    reference: z.string().openapi({ example: "ORD-20261204-AB12C" }),
    kind: z.enum(["NEW_VPS", "RENEWAL", "WALLET_TOPUP"]),
    status: OrderStatusSchema,
    plan_code: z.string().nullable(),
    plan_name: z.string().nullable(),
    region: z.string().nullable(),
    image_code: z.string().nullable(),
    duration_months: z.number().int().nullable(),
    total_idr: z.number().int(),
    client_label: z.string().nullable(),
    created_at: z.string(),
    paid_at: z.string().nullable(),
    instance_id: z.number().int().nullable().openapi({ description: "The VPS once it exists." }),
  })
  .openapi("Order");

export const CreateOrderBody = z
  .object({
    plan: z.string().min(1).max(100).openapi({ example: "do-s-1vcpu-1gb-sgp1", description: "A plan code from GET /catalog." }),
    duration_months: z.number().int().min(1).max(120).openapi({ example: 1 }),
    image: z.string().min(1).max(100).openapi({ example: "ubuntu-22.04", description: "An image code of the plan." }),
    region: z.string().min(1).max(50).optional().openapi({ description: "When given, must be the plan's region." }),
    quantity: z.number().int().min(1).max(10).default(1).openapi({ description: "Identical VPS, one order each." }),
    client_label: z.string().min(1).max(MAX_LABEL_CHARS).optional().openapi({ example: "PT Maju & Co.", description: "Up to 32 letters, digits, spaces and . , - _ & ( ) # / + ' @" }),
    expected_unit_price_idr: z.number().int().min(0).optional().openapi({ description: "Refuse (409 price_changed) unless each VPS costs exactly this." }),
  })
  .openapi("CreateOrder");

export const CreatedOrdersSchema = z
  .object({
    orders: z.array(OrderSchema),
    paid_idr: z.number().int(),
    balance_after_idr: z.number().int(),
  })
  .openapi("CreatedOrders");

export const OrderListSchema = z.object({ total: z.number().int(), orders: z.array(OrderSchema) }).openapi("OrderList");

export const InstanceSchema = z
  .object({
    id: z.number().int(),
    order_reference: z.string(),
    label: z.string(),
    status: z.enum(["PROVISIONING", "ACTIVE", "OFF", "SUSPENDED", "DELETED", "FAILED"]),
    provider: z.enum(["DIGITALOCEAN", "VULTR", "LINODE"]),
    region: z.string(),
    plan_code: z.string(),
    image_code: z.string(),
    ipv4: z.string().nullable(),
    ipv6: z.string().nullable(),
    client_label: z.string().nullable(),
    expires_at: z.string(),
    auto_renew: z.boolean(),
    created_at: z.string(),
  })
  .openapi("Instance");

export const InstanceListSchema = z.object({ total: z.number().int(), instances: z.array(InstanceSchema) }).openapi("InstanceList");

export const ActionBody = z
  .object({ action: z.enum(["reboot", "power_on", "power_off", "shutdown", "reset_password", "reinstall"]).openapi({ example: "reboot" }) })
  .openapi("ActionRequest");

export const ActionSchema = z
  .object({ action_id: z.number().int(), instance_id: z.number().int(), action: z.string(), status: z.enum(["QUEUED"]) })
  .openapi("ActionAccepted");

export const InvoiceSchema = z
  .object({
    order_reference: z.string(),
    kind: z.enum(["NEW_VPS", "RENEWAL", "WALLET_TOPUP"]),
    plan_name: z.string().nullable(),
    client_label: z.string().nullable(),
    total_idr: z.number().int(),
    paid_at: z.string(),
    pdf_path: z.string().openapi({ example: "/api/v1/invoices/ORD-20261204-AB12C/pdf" }),
  })
  .openapi("Invoice");

export const InvoiceListSchema = z.object({ total: z.number().int(), invoices: z.array(InvoiceSchema) }).openapi("InvoiceList");

export const WebhookEndpointSchema = z
  .object({
    url: z.string(),
    enabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    secret: z.string().optional().openapi({ description: "The signing secret: present only when it was just made (first PUT, rotation). Keep it; it is not shown again." }),
  })
  .openapi("WebhookEndpoint");

export const WebhookEndpointBody = z.object({ url: z.string().min(1).max(2000).openapi({ example: "https://example.com/hooks/vps" }) }).openapi("SetWebhookEndpoint");

export const DeliverySchema = z
  .object({
    id: z.number().int(),
    event_id: z.string().openapi({ example: "evt_42" }),
    type: z.string().openapi({ example: "vps.active" }),
    url: z.string(),
    status: z.enum(["PENDING", "DELIVERED", "FAILED"]),
    attempts: z.number().int(),
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: z.string(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("WebhookDelivery");

export const DeliveryListSchema = z.object({ total: z.number().int(), deliveries: z.array(DeliverySchema) }).openapi("WebhookDeliveryList");

/** Response headers a client acts on, declared where the answer carries them. */
type Headers = Record<string, { description: string; schema: { type: "string" | "integer"; minimum?: number; enum?: string[] } }>;
export const RETRY_AFTER: Headers = { "Retry-After": { description: "Seconds to wait before sending the request again.", schema: { type: "integer", minimum: 1 } } };
const WWW_AUTHENTICATE: Headers = { "WWW-Authenticate": { description: 'Always `Bearer realm="api"`.', schema: { type: "string" } } };
export const IDEMPOTENT_REPLAYED: Headers = {
  "Idempotent-Replayed": { description: "`true` when this is the kept answer of an earlier request with the same Idempotency-Key and body.", schema: { type: "string", enum: ["true"] } },
};
const err = (description: string, headers?: Headers) => ({ content: { "application/json": { schema: ErrorSchema } }, description, ...(headers ? { headers } : {}) });

/** The answers every authenticated route can give besides its own. */
export const COMMON_ERRORS = {
  401: err("Missing, malformed, invalid (unknown or wrong secret) or revoked API key (`error` says which).", WWW_AUTHENTICATE),
  403: err("The key lacks the route's scope, or the account is banned or no longer a reseller."),
  429: err("Over the key's requests per minute (`rate_limited`), or too many refused keys from your address (`too_many_failed_keys`); wait `Retry-After` seconds.", RETRY_AFTER),
} as const;

/** A write refused during maintenance. */
export const MAINTENANCE_ERROR = err("The shop is in maintenance (`maintenance`); try again after `Retry-After` seconds.", RETRY_AFTER);

/** The Idempotency-Key conflicts, plus what else a route's 409 may say. */
export const conflict = (more = "") =>
  err(`\`idempotency_key_reused\`: the key was used with another request; \`idempotency_request_in_flight\`: that request is still running, retry after \`Retry-After\` seconds; \`idempotency_request_unfinished\`: that request made its change (an order paid) but its answer was lost, look at GET /orders instead.${more ? ` ${more}` : ""}`, RETRY_AFTER);

export const POST_ERRORS = {
  ...COMMON_ERRORS,
  400: err("Invalid body, or the Idempotency-Key header is missing."),
  409: conflict(),
  503: MAINTENANCE_ERROR,
} as const;

export const errorResponse = err;
export const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });

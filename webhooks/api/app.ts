import { OpenAPIHono } from "@hono/zod-openapi";
import type { Hono } from "hono";
import type { AppEnv } from "../http.js";
import type { ApiDeps } from "./deps.js";
import { renderDocsPage } from "./docs-page.js";
import { apiKeyAuth, idempotent, type ApiEnv } from "./guards.js";
import { catalogRoutes } from "./routes/catalog.js";
import { instanceRoutes } from "./routes/instances.js";
import { invoiceRoutes } from "./routes/invoices.js";
import { orderRoutes } from "./routes/orders.js";
import { walletRoutes } from "./routes/wallet.js";
import { webhookEndpointRoutes } from "./routes/webhook-endpoint.js";

export type { ApiDeps } from "./deps.js";

/** Where the API is mounted; the document's `servers` entry and the docs page's links use it. */
export const API_BASE_PATH = "/api/v1";

const DESCRIPTION = [
  "The reseller API of the shop: the catalog at your prices, orders paid from your wallet, your VPS and their actions, invoices, and signed webhooks.",
  "Authenticate with `Authorization: Bearer vsk_…` (keys are made in the chat: /apikeys). A missing, malformed, invalid (unknown or wrong secret) or revoked key gets 401 with `error` saying which; more than 30 refused keys from one address in a minute, and its requests get 429 with `Retry-After` until the minute turns; a key without the route's scope gets 403; over the key's rate, 429 with `Retry-After`.",
  "Every POST needs an `Idempotency-Key` header: the same key with the same body returns the first answer again (header `Idempotent-Replayed: true`); the same key with another body, or while the first request runs, is 409. A refusal that changed nothing and whose cause may pass (400, 402, 403, 409 busy or price_changed, 429, 503) is not kept: send the same request again with the same key once the cause is gone. Idempotency-Key records are kept 24 hours; a server failure before anything was done lets the key go; a request cut off after its change was made (a paid order) keeps its key busy until then (one cut off before any change frees it after 5 minutes), so look at GET /orders before retrying such an order with a new key.",
  "Errors are JSON `{error, message}`. Money is integer rupiah.",
].join("\n\n");

/** The OpenAPI document's top part (the paths come from the route schemas). */
export const DOCUMENT_CONFIG: Parameters<OpenAPIHono["getOpenAPIDocument"]>[0] = {
  openapi: "3.0.3",
  info: { title: "VPS shop reseller API", version: "1.0.0", description: DESCRIPTION },
  servers: [{ url: API_BASE_PATH }],
};

/**
 * The reseller API, mounted at /api/v1: validation and the OpenAPI document come from the same
 * zod schemas (@hono/zod-openapi). The two public routes (the document and its reference page)
 * are registered before the guards, so they answer before the key check runs; everything after
 * them needs a key.
 */
export function buildApi(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({
    // A body or query the schema refuses: one error shape, and nothing stored under its Idempotency-Key.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
        return c.json({ error: "validation_failed", message: issues.slice(0, 500) }, 400);
      }
      return undefined;
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKey", { type: "http", scheme: "bearer", description: "vsk_<prefix>_<secret>, made in the chat with /apikeys." });

  app.doc("/openapi.json", DOCUMENT_CONFIG);
  let page: string | undefined;
  app.get("/docs", (c) => {
    page ??= renderDocsPage(app.getOpenAPIDocument(DOCUMENT_CONFIG) as unknown as Record<string, unknown>);
    return c.html(page);
  });

  app.use("*", apiKeyAuth({ prisma: deps.prisma, redis: deps.redis, queuePrefix: deps.settings.queuePrefix }));
  app.use("*", idempotent(deps.prisma, deps.settings.encryptionKey));
  app.route("/catalog", catalogRoutes(deps));
  app.route("/orders", orderRoutes(deps));
  app.route("/instances", instanceRoutes(deps));
  app.route("/invoices", invoiceRoutes(deps));
  app.route("/wallet", walletRoutes(deps));
  app.route("/", webhookEndpointRoutes(deps));
  return app;
}

/**
 * The API as the server mounts it (`{ path: API_BASE_PATH, app }`). Its routes see one more
 * request variable (the key) than the server's own, which Hono's types cannot widen by themselves.
 */
export function apiRoutes(deps: ApiDeps): Hono<AppEnv> {
  return buildApi(deps) as unknown as Hono<AppEnv>;
}

import { Hono } from "hono";
import type { Redis } from "ioredis";
import type { PrismaClient } from "../../db/client.js";
import type { Queues } from "../../jobs/queues.js";
import type { CloudProviders } from "../../shop/cloud/providers.js";
import type { Checkout } from "../../shop/payments/checkout.js";
import type { Config } from "../../shop/platform/config.js";
import type { UserDirectory } from "../../shop/users/directory.js";
import type { AppEnv } from "../http.js";
import { accountRoutes } from "./customer/account.js";
import { apiKeyRoutes } from "./customer/api-keys.js";
import { invoiceFileRoutes, orderRoutes } from "./customer/orders.js";
import { vpsRoutes } from "./customer/vps.js";
import { customerWriteGuard } from "./customer/write-guard.js";
import { appSession, sessionRoutes, type MiniAppEnv } from "./session.js";
import { staticBundle } from "./static.js";

export interface MiniAppDeps {
  prisma: PrismaClient;
  /** Request limits (launches, customer writes). */
  redis: Redis;
  users: UserDirectory;
  providers: CloudProviders;
  queues: Queues;
  checkout: Checkout;
  config: Pick<Config, "telegram" | "miniAppInitDataMaxAgeS" | "shopName" | "orderPaymentTtlHours" | "queuePrefix" | "botRateLimitPer10s" | "encryptionKey" | "webhooks">;
  /** Where the built bundle is (default dist/miniapp). */
  staticDir?: string;
}

/**
 * The customer routes whose writes pass customerWriteGuard (staff routes have their own checks).
 * "/x/*" also matches "/x" itself: listing both would run the guard twice and count a write twice.
 */
const CUSTOMER_WRITES = ["/vps/*", "/orders/*", "/me/*", "/api-keys/*", "/webhook-endpoint/*"];

/** More JSON routes under `/app/api` behind the same session (the staff side mounts `/staff`). */
export interface MiniAppApiRoutes {
  path: string;
  app: Hono<MiniAppEnv>;
}

/**
 * The Telegram Mini App, mounted at `/app`: the page and its bundle, `POST /api/session` (a
 * verified launch opens a session), and the JSON API under `/api/*`, every route of which runs
 * behind `appSession` (the user loaded fresh per request); the customer's writes also behind
 * `customerWriteGuard` (maintenance, a per-user limit). Invoice PDFs come from signed links under `/files`.
 */
export function miniAppRoutes(deps: MiniAppDeps, extraApi: MiniAppApiRoutes[] = []): Hono<AppEnv> {
  const botToken = deps.config.telegram.token;
  const app = new Hono<AppEnv>();
  const { redis, config } = deps;
  app.route("/api/session", sessionRoutes({ prisma: deps.prisma, users: deps.users, botToken, initDataMaxAgeS: config.miniAppInitDataMaxAgeS, redis, queuePrefix: config.queuePrefix }));

  const api = new Hono<MiniAppEnv>();
  api.use("*", appSession(deps));
  // Every customer write (not logout, not an invoice link: those change nothing of the shop's).
  const guard = customerWriteGuard({ prisma: deps.prisma, redis, queuePrefix: config.queuePrefix, perTenSeconds: config.botRateLimitPer10s });
  api.on(["POST", "PUT", "PATCH", "DELETE"], CUSTOMER_WRITES, guard);
  api.route("/", accountRoutes(deps));
  api.route("/", orderRoutes({ ...deps, shopName: deps.config.shopName, botToken }));
  api.route("/vps", vpsRoutes({ ...deps, orderPaymentTtlHours: deps.config.orderPaymentTtlHours }));
  api.route("/", apiKeyRoutes(deps));
  for (const extra of extraApi) api.route(extra.path, extra.app);
  app.route("/api", api);

  app.route("/files", invoiceFileRoutes({ prisma: deps.prisma, shopName: deps.config.shopName, botToken }));
  app.route("/", staticBundle(deps.staticDir));
  return app;
}

import { Hono } from "hono";
import type { PrismaClient } from "../../../db/client.js";
import type { Queues } from "../../../jobs/queues.js";
import type { CloudProviders } from "../../../shop/cloud/providers.js";
import type { UserDirectory } from "../../../shop/users/directory.js";
import { catalogApi } from "./catalog.js";
import { couponsApi } from "./coupons.js";
import { customersApi } from "./customers.js";
import type { StaffEnv } from "./guard.js";
import { ordersApi } from "./orders.js";
import { pendingApi, type PendingApiDeps } from "./pending.js";
import { statsApi } from "./stats.js";

export interface StaffApiDeps {
  prisma: PrismaClient;
  queues: Queues;
  providers: CloudProviders;
  config: PendingApiDeps["config"];
  /** To drop a banned customer's cached copy. */
  users: Pick<UserDirectory, "forget">;
}

/**
 * The staff side of the Mini App's JSON API, mounted at /app/api/staff behind the session
 * middleware (appSession sets `appUser`, loaded fresh). Each route checks its own permission,
 * the one the bot's command for the same screen checks; changes go through the bot's domain
 * functions, which lock, check and audit.
 */
export function staffApi(deps: StaffApiDeps) {
  const app = new Hono<StaffEnv>();
  app.get("/me", (c) => {
    const user = c.get("appUser");
    return c.json({ permissions: user.blocked ? [] : user.permissions, staffRole: user.staffRole });
  });
  app.route("/pending", pendingApi(deps));
  app.route("/orders", ordersApi(deps));
  app.route("/catalog", catalogApi(deps));
  app.route("/coupons", couponsApi(deps));
  app.route("/customers", customersApi(deps));
  app.route("/stats", statsApi(deps));
  return app;
}

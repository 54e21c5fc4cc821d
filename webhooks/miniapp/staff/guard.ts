import type { Context, MiddlewareHandler } from "hono";
import { can, staffActor, type Permission } from "../../../shop/users/staff.js";
import { appError } from "../reply.js";
import type { MiniAppEnv } from "../session.js";

/**
 * The staff routes run behind the Mini App's session middleware (webhooks/miniapp/session.ts):
 * `appUser` is the user as Postgres has them at this request, never a cached copy.
 */
export type StaffEnv = MiniAppEnv;

/** Who acts, as the domain records it (status history, audit): what staffActor returns. */
export type StaffActor = { userId: number; role: "SELLER" | "OWNER" };

/**
 * In front of every staff route: the session's user must hold `permission` (any of them, for
 * the pending queue) — the same names the bot's staff commands check with allowedTo, against
 * the user loaded fresh for this request, so a member removed or demoted a second ago is refused.
 */
export function requirePermission(...permissions: Permission[]): MiddlewareHandler<StaffEnv> {
  return async (c, next) => {
    const user = c.get("appUser");
    if (!user || !permissions.some((p) => can(user, p))) {
      return appError(c, 403, "forbidden", `This needs the staff permission ${permissions.join(" or ")}.`);
    }
    await next();
  };
}

/** The acting staff member for `permission` (requirePermission ran first, so never null there). */
export function actorFor(c: Context<StaffEnv>, permission: Permission): StaffActor {
  const actor = staffActor(c.get("appUser"), permission);
  if (!actor) throw new Error(`actorFor(${permission}) outside requirePermission`);
  return actor;
}

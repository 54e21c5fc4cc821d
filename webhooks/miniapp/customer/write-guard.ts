import type { MiddlewareHandler } from "hono";
import type { PrismaClient } from "../../../db/client.js";
import { maintenanceState } from "../../../shop/maintenance/index.js";
import { appError } from "../reply.js";
import type { MiniAppEnv } from "../session.js";

export interface WriteGuardDeps {
  prisma: PrismaClient;
}

/**
 * In front of a customer's writes (pay, act on a VPS, renew, settings), after `appSession`: while
 * the owner's maintenance switch is on, 503 with the owner's message, as the chat and the
 * reseller API refuse; staff (any staff power, loaded fresh) work on, as in the chat.
 */
export function customerWriteGuard(deps: WriteGuardDeps): MiddlewareHandler<MiniAppEnv> {
  return async (c, next) => {
    const user = c.get("appUser");
    const { global } = await maintenanceState(deps.prisma);
    if (global && user.permissions.length === 0) {
      return appError(c, 503, "maintenance", global.message ?? "the shop is in maintenance; try again later", { "retry-after": "300" });
    }
    await next();
  };
}

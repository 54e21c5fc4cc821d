import type { MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import type { PrismaClient } from "../../../db/client.js";
import { maintenanceState } from "../../../shop/maintenance/index.js";
import { takeRequest } from "../../../shop/orders/order-rate-limit.js";
import { appError } from "../reply.js";
import type { MiniAppEnv } from "../session.js";

export interface WriteGuardDeps {
  prisma: PrismaClient;
  redis: Redis;
  queuePrefix: string;
  /** BOT_RATE_LIMIT_PER_10S: the same budget a person has in the chat. */
  perTenSeconds: number;
}

/**
 * In front of a customer's writes (pay, act on a VPS, renew, settings), after `appSession`:
 * - while the owner's maintenance switch is on, 503 with the owner's message, as the chat and the
 *   reseller API refuse; staff (any staff power, loaded fresh) work on, as in the chat;
 * - at most `perTenSeconds` writes per user in a 10 s window (Redis, shared by every web
 *   process), else 429 with Retry-After: a script cannot pile up orders or actions.
 */
export function customerWriteGuard(deps: WriteGuardDeps): MiddlewareHandler<MiniAppEnv> {
  return async (c, next) => {
    const user = c.get("appUser");
    const { global } = await maintenanceState(deps.prisma);
    if (global && user.permissions.length === 0) {
      return appError(c, 503, "maintenance", global.message ?? "the shop is in maintenance; try again later", { "retry-after": "300" });
    }
    const taken = await takeRequest(deps.redis, deps.queuePrefix, { kind: "app-write", subject: user.id, limit: deps.perTenSeconds, windowMs: 10_000 });
    if (!taken.ok) return appError(c, 429, "rate_limited", "too many changes at once: wait a moment and try again", { "retry-after": String(taken.retryAfterS) });
    await next();
  };
}

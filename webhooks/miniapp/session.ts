import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import type { PrismaClient } from "../../db/client.js";
import { verifyInitData, type InitDataRefusal } from "../../shop/miniapp/init-data.js";
import { SESSIONS_PER_ADDRESS_PER_MINUTE, SESSIONS_PER_USER_PER_MINUTE } from "../../shop/miniapp/request-limits.js";
import { takeRequest, type Taken } from "../../shop/orders/order-rate-limit.js";
import { openSession, sessionOf } from "../../shop/miniapp/sessions.js";
import type { ShopUser, UserDirectory } from "../../shop/users/directory.js";
import { clientAddress, requestLog, type AppEnv } from "../http.js";
import { appError, jsonBody } from "./reply.js";

/**
 * Mini App authentication: `POST /app/api/session` turns a verified Telegram launch (`initData`)
 * into a short-lived bearer session; `appSession` admits a request with that bearer and loads
 * its user FRESH (roles, staff grant, ban) exactly as the bot's staff checks do, so a power taken
 * away in the chat is gone from the app at the next request.
 *
 * For the routes mounted under `/app/api` (customer and staff): `c.get("appUser")` is the user,
 * `c.get("appSessionId")` the session. Staff routes still check `can(appUser, <permission>)` per request.
 */

export type MiniAppEnv = {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & { appUser: ShopUser; appSessionId: number };
};

export interface MiniAppAuthDeps {
  prisma: PrismaClient;
  users: UserDirectory;
  /** TELEGRAM_BOT_TOKEN: the key the launch's initData is signed with. */
  botToken: string;
  /** MINIAPP_INITDATA_MAX_AGE_S. */
  initDataMaxAgeS: number;
  /** Where launches are counted (per address, per Telegram user), and the keys' prefix (QUEUE_PREFIX). */
  redis: Redis;
  queuePrefix: string;
}

/** What the app may know about its user (the shell shows staff pages by these permissions). */
export function publicUser(user: ShopUser) {
  return { id: user.id, firstName: user.firstName, language: user.language, role: user.role, staffRole: user.staffRole, permissions: user.permissions, reseller: user.resellerTierId !== null };
}

const REFUSALS: Record<InitDataRefusal | "replayed", { error: string; message: string }> = {
  missing: { error: "initdata_missing", message: "open the app from Telegram: initData is missing" },
  malformed: { error: "initdata_malformed", message: "initData is not a Telegram launch" },
  forged: { error: "initdata_invalid", message: "initData signature does not match this bot" },
  expired: { error: "initdata_expired", message: "this launch is too old: close the app and open it again from the chat" },
  from_future: { error: "initdata_invalid", message: "initData auth_date is in the future" },
  no_user: { error: "initdata_no_user", message: "initData carries no user" },
  replayed: { error: "initdata_replayed", message: "this launch was already used: close the app and open it again from the chat" },
};

const refused = (c: Context, user: ShopUser) =>
  appError(c, 403, user.banned ? "banned" : "blocked", user.banned ? "this account is banned from the shop" : "this account is blocked");

/** `Authorization: Bearer <session token>` → the session's user, loaded fresh; 401 without an open session, 403 when banned. */
export function appSession(deps: Pick<MiniAppAuthDeps, "prisma" | "users">): MiddlewareHandler<MiniAppEnv> {
  return async (c, next) => {
    const token = /^Bearer ([A-Za-z0-9_-]+)$/.exec(c.req.header("authorization") ?? "")?.[1];
    const session = token ? await sessionOf(deps.prisma, token) : null;
    if (!session) return appError(c, 401, "session_invalid", "no open session: open the app from Telegram again", { "www-authenticate": 'Bearer realm="miniapp"' });
    const { telegramId, firstName, username } = session.user;
    const user = await deps.users.fresh({ id: Number(telegramId), first_name: firstName ?? "", ...(username ? { username } : {}) });
    if (user.blocked) return refused(c, user);
    c.set("appUser", user);
    c.set("appSessionId", session.id);
    await next();
  };
}

const tooMany = (c: Context, taken: Extract<Taken, { ok: false }>) =>
  appError(c, 429, "rate_limited", "too many launches: wait a moment, then open the app again", { "retry-after": String(taken.retryAfterS) });

/**
 * `POST /` opens a session from `{ initData }` (the caller's `DELETE /app/api/session` ends it, in
 * accountRoutes). Launches are limited per address (forged ones count: before any work) and,
 * once verified, per Telegram user (a valid launch cannot be spent to lock someone else out).
 */
export function sessionRoutes(deps: MiniAppAuthDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const take = (kind: string, subject: number | string, limit: number) => takeRequest(deps.redis, deps.queuePrefix, { kind, subject, limit, windowMs: 60_000 });
  app.post("/", async (c) => {
    const byAddress = await take("app-launch-ip", clientAddress(c), SESSIONS_PER_ADDRESS_PER_MINUTE);
    if (!byAddress.ok) return tooMany(c, byAddress);
    const body = await jsonBody(c);
    const initData = typeof body?.initData === "string" ? body.initData : undefined;
    const verified = verifyInitData(initData, deps.botToken, { maxAgeS: deps.initDataMaxAgeS });
    if (!verified.ok) {
      requestLog(c).info({ reason: verified.reason }, "mini app launch refused");
      return appError(c, 401, REFUSALS[verified.reason].error, REFUSALS[verified.reason].message);
    }
    const byUser = await take("app-launch-user", verified.user.id, SESSIONS_PER_USER_PER_MINUTE);
    if (!byUser.ok) return tooMany(c, byUser);
    const user = await deps.users.fresh(verified.user);
    if (user.blocked) return refused(c, user);
    const opened = await openSession(deps.prisma, { userId: user.id, initHash: verified.hash, replayWindowMs: deps.initDataMaxAgeS * 1000 });
    if (!opened.ok) return appError(c, 401, REFUSALS.replayed.error, REFUSALS.replayed.message);
    return c.json({ token: opened.token, expiresAt: opened.expiresAt.toISOString(), user: publicUser(user) }, 201);
  });
  return app;
}

import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { header, type AppEnv } from "./http.js";

/** Compares a secret a request brought with the expected one in constant time. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Lets a request through only with `Authorization: Bearer <token>`, for what is meant for the
 * operator, not the public (metrics, readiness with its dependency errors): the webhook port
 * sits behind the public reverse proxy. Without a configured token the route is off (404).
 */
export function operatorOnly(token: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!token) return c.json({ error: "not_found", message: "disabled: set METRICS_TOKEN to enable it" }, 404);
    const given = /^Bearer (.+)$/.exec(header(c, "authorization") ?? "")?.[1];
    if (!sameSecret(given, token)) {
      return c.json({ error: "unauthorized", message: "needs Authorization: Bearer <METRICS_TOKEN>" }, 401, { "www-authenticate": 'Bearer realm="operator"' });
    }
    await next();
  };
}

/**
 * What stands in front of every reseller API route: the key (401 with the reason), the owner
 * still a reseller and not banned (403), the per-key rate (429 with Retry-After), the shop not
 * in maintenance for writes (503), the route's scope (403) and, on POST, `Idempotency-Key`.
 */
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import type { PrismaClient } from "../../db/client.js";
import { claimIdempotencyKey, finishIdempotencyKey, IDEMPOTENCY_KEY_PATTERN, markIdempotencyChanged, releaseIdempotencyKey, requestFingerprint } from "../../shop/api/idempotency.js";
import { authenticateApiKey, touchApiKey, type ApiScope, type AuthenticatedKey, type KeyRefusal } from "../../shop/api/keys.js";
import { countFailedKey, mayPresentKey, takeApiRequest } from "../../shop/api/rate-limit.js";
import { maintenanceState } from "../../shop/maintenance/index.js";
import { clientAddress, requestLog, type AppEnv } from "../http.js";
import { IDEMPOTENT_REPLAYED } from "./schemas.js";

/** A POST's claim of its Idempotency-Key, as its handler sees it (beforeChange). */
interface IdempotencyMark {
  changed: boolean;
  persist: () => Promise<void>;
}

export type ApiEnv = { Bindings: AppEnv["Bindings"]; Variables: AppEnv["Variables"] & { apiKey: AuthenticatedKey; idempotency?: IdempotencyMark } };

/** The one error shape of the API. */
export const apiError = <S extends 400 | 401 | 402 | 403 | 404 | 409 | 422 | 429 | 503>(c: Context, status: S, error: string, message: string, headers?: Record<string, string>) =>
  c.json({ error, message }, status, headers);

const KEY_MESSAGES: Record<KeyRefusal, string> = {
  missing: "send your API key as Authorization: Bearer vsk_…",
  malformed: "the API key is not in the form vsk_<prefix>_<secret>",
  invalid: "no such API key (unknown prefix or wrong secret)",
  revoked: "this API key was revoked",
};

export function apiKeyAuth(deps: { prisma: PrismaClient; redis: Redis; queuePrefix: string }): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const given = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    // An address that had many keys refused this minute is not heard until the minute turns.
    const address = given ? clientAddress(c as unknown as Context<AppEnv>) : "";
    const budget = given ? await mayPresentKey(deps.redis, deps.queuePrefix, address) : { ok: true as const };
    if (!budget.ok) return apiError(c, 429, "too_many_failed_keys", "too many refused API keys from this address; wait Retry-After seconds", { "retry-after": String(budget.retryAfterS) });
    const auth = await authenticateApiKey(deps.prisma, given);
    if (!auth.ok) {
      if (given) await countFailedKey(deps.redis, deps.queuePrefix, address);
      return apiError(c, 401, `api_key_${auth.reason}`, KEY_MESSAGES[auth.reason], { "www-authenticate": 'Bearer realm="api"' });
    }
    const { key } = auth;
    // The bot's guard stops the same two (a staff ban, the shop's restriction) before any feature.
    if (key.user.bannedAt || key.user.blocked) return apiError(c, 403, "account_banned", "this account may not use the shop");
    if (key.user.resellerTierId === null) return apiError(c, 403, "not_a_reseller", "the API is for resellers; this account has no reseller tier");
    const rate = await takeApiRequest(deps.redis, deps.queuePrefix, key);
    if (!rate.ok) return apiError(c, 429, "rate_limited", `at most ${key.ratePerMinute} requests a minute for this key`, { "retry-after": String(rate.retryAfterS) });
    if (c.req.method !== "GET" && (await maintenanceState(deps.prisma)).global) {
      return apiError(c, 503, "maintenance", "the shop is in maintenance; try again later", { "retry-after": "300" });
    }
    c.set("apiKey", key);
    await touchApiKey(deps.prisma, key.id);
    await next();
  };
}

/** Refuses a key without `scope` (403). */
export function requireScope(scope: ApiScope): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!c.get("apiKey").scopes.includes(scope)) return apiError(c, 403, "missing_scope", `this API key lacks the "${scope}" scope`);
    await next();
  };
}

/**
 * Which answers are kept under the Idempotency-Key: what changed something (2xx, or a failure
 * after the handler's change was committed) and refusals a retry cannot change (404 no such plan
 * or VPS, 422 not allowed). Every other answer changed nothing and its cause may pass (a fixed
 * body 400, a scope 403, a top-up 402, a finished action or a moved price 409, the limit's next
 * window 429, the end of maintenance 503, a failure before any change 5xx), so the key is let go
 * and the same request may be sent again with it.
 */
const keepsAnswer = (status: number, changed: boolean): boolean => status < 300 || status === 404 || status === 422 || (status >= 500 && changed);

/**
 * Said by a POST handler right before its change commits (orders paid, an action recorded, a
 * secret rotated): from then on a failure keeps the key (stored, or in flight for good) instead
 * of letting it go, so a retry with the key cannot make the change a second time — also when the
 * process dies between the commit and the stored answer. The mark is written first; if it cannot
 * be, this throws and the change is not made (the key is then free: nothing changed). A refusal
 * the handler answers after the mark (402, 409 busy) changed nothing and still frees the key.
 */
export async function beforeChange(c: Context<ApiEnv>): Promise<void> {
  const mark = c.get("idempotency");
  if (!mark) return;
  await mark.persist();
  mark.changed = true;
}

/** The guard's own failures are logged and do not replace the handler's answer. */
function logProblem(c: Context<ApiEnv>, err: unknown, msg: string): void {
  if (c.get("baseLog")) requestLog(c as unknown as Context<AppEnv>).error({ err }, msg);
}

/** Headers of a kept answer that a replay repeats (what a client acts on). */
const REPLAYED_HEADERS = ["location", "retry-after"];

/**
 * Idempotency-Key on POST: the first request runs and its response is stored; the same key and
 * body replays it (header `Idempotent-Replayed: true`); another body, or the first still
 * running, is a 409. A refusal that changed nothing stores nothing (keepsAnswer). Stored answers
 * are sealed (a rotation's answer carries the webhook secret).
 */
export function idempotent(prisma: PrismaClient, encryptionKey: Uint8Array): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    const idemKey = c.req.header("idempotency-key");
    if (!idemKey) return apiError(c, 400, "idempotency_key_missing", "every POST needs an Idempotency-Key header (e.g. a UUID)");
    if (!IDEMPOTENCY_KEY_PATTERN.test(idemKey)) return apiError(c, 400, "idempotency_key_invalid", "Idempotency-Key must be 1-255 printable ASCII characters without spaces");
    const raw = await c.req.text();
    const claim = await claimIdempotencyKey(prisma, {
      apiKeyId: c.get("apiKey").id,
      idemKey,
      method: c.req.method,
      path: c.req.path,
      requestHash: requestFingerprint(c.req.method, c.req.path, raw),
      encryptionKey,
    });
    if (claim.kind === "conflict") {
      if (claim.reason === "in_flight") return apiError(c, 409, "idempotency_request_in_flight", "a request with this Idempotency-Key is still being processed; retry in a moment", { "retry-after": "1" });
      if (claim.reason === "unfinished") {
        return apiError(c, 409, "idempotency_request_unfinished", "the request with this Idempotency-Key made its change but its answer was lost; look at GET /orders (or GET /instances) instead of sending it again");
      }
      return apiError(c, 409, "idempotency_key_reused", "this Idempotency-Key was used with another request (method, path or body); use a new key");
    }
    if (claim.kind === "replay") return c.json(claim.body as object, claim.statusCode as 200, { ...claim.headers, "idempotent-replayed": "true" });
    const mark: IdempotencyMark = { changed: false, persist: () => markIdempotencyChanged(prisma, claim.recordId) };
    c.set("idempotency", mark);
    // A handler's throw never reaches here: Hono has already made it the onError answer (a 5xx).
    await next();
    try {
      if (!keepsAnswer(c.res.status, mark.changed)) {
        await releaseIdempotencyKey(prisma, claim.recordId);
        return;
      }
      const body: unknown = c.res.headers.get("content-type")?.includes("json") ? await c.res.clone().json() : null;
      const headers = Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (c.res.headers.has(h) ? [[h, c.res.headers.get(h)!]] : [])));
      await finishIdempotencyKey(prisma, encryptionKey, claim.recordId, c.res.status, { body, headers });
    } catch (err) {
      // The answer goes out as it is: the request did what it says. Its key stays in flight
      // (taken over later only if nothing was changed).
      logProblem(c, err, "could not store or release the Idempotency-Key's answer");
    }
  };
}

/** A POST's answers that the Idempotency-Key keeps (keepsAnswer) declare the replay's header. */
function replayable<T extends RouteConfig["responses"]>(responses: T): T {
  const out: RouteConfig["responses"] = {};
  for (const [status, response] of Object.entries(responses)) {
    const kept = /^2/.test(status) || status === "404" || status === "422";
    out[status] = kept && !("$ref" in response) ? { ...response, headers: { ...(response.headers as object | undefined), ...IDEMPOTENT_REPLAYED } } : response;
  }
  return out as T;
}

/**
 * A route of the API: `createRoute` plus what every keyed route carries, the bearer key in the
 * document, the scope check, and the scope named in its description and as `x-scope` (so the
 * document says which key may call it).
 */
export function keyedRoute<P extends string, R extends Omit<RouteConfig, "path" | "security" | "middleware"> & { path: P }>(scope: ApiScope, route: R) {
  return createRoute({
    ...route,
    ...(route.method === "post" ? { responses: replayable(route.responses) } : {}),
    description: `${route.description ?? ""} Scope: \`${scope}\`.`.trim(),
    security: [{ ApiKey: [] }],
    middleware: [requireScope(scope)] as [MiddlewareHandler<ApiEnv>],
    "x-scope": scope,
  });
}

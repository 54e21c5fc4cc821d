import { Hono, type Context } from "hono";
import type { PrismaClient } from "../../../db/client.js";
import { API_SCOPES, createApiKey, listApiKeys, MAX_ACTIVE_KEYS, MAX_KEY_NAME_CHARS, revokeApiKey, type CreateKeyResult } from "../../../shop/api/keys.js";
import { disableWebhookEndpoint, getWebhookEndpoint, listWebhookDeliveries, rotateWebhookSecret, setWebhookEndpoint, type UrlRejection } from "../../../shop/api/webhook-endpoint.js";
import type { Config } from "../../../shop/platform/config.js";
import { appError, idParam, jsonBody } from "../reply.js";
import type { MiniAppEnv } from "../session.js";

export interface ApiKeyRouteDeps {
  prisma: PrismaClient;
  config: Pick<Config, "encryptionKey" | "webhooks">;
}

/** Deliveries shown under the endpoint (the API's GET /webhook-deliveries pages through all of them). */
const RECENT_DELIVERIES = 10;

const CREATE_REFUSED: Record<Extract<CreateKeyResult, { ok: false }>["reason"], [400 | 403 | 409, string, string]> = {
  not_reseller: [403, "not_reseller", "API keys are for resellers; this account has no reseller tier"],
  banned: [403, "banned", "this account is banned from the shop"],
  too_many: [409, "too_many_keys", `at most ${MAX_ACTIVE_KEYS} keys at once: revoke one first`],
  bad_scopes: [400, "bad_scopes", `scopes must be a non-empty list of ${API_SCOPES.join(", ")}`],
  bad_name: [400, "bad_name", `name must be 1 to ${MAX_KEY_NAME_CHARS} characters`],
};

const URL_REFUSED: Record<UrlRejection, string> = {
  invalid: "url is not an http(s) URL without user name, password or fragment, at most 2048 characters",
  not_https: "url must be https",
  private_host: "url points at a private or loopback host",
  unresolvable: "url's host name does not resolve",
};

const notReseller = (c: Context) => appError(c, 403, CREATE_REFUSED.not_reseller[1], CREATE_REFUSED.not_reseller[2]);

/**
 * The reseller API's keys and webhook endpoint from the Mini App, as `/apikeys` does them in the
 * chat and through the same shop functions (refusals and audit included): list, create (the whole
 * key is in that one answer, never again), revoke (after the page's confirmation), and the webhook
 * URL with its recent deliveries, set (a new endpoint's signing secret answered once), rotate and
 * switch off. Resellers only; the session's user is loaded fresh, so a tier taken away or a ban
 * closes these at the next call. Answers are `no-store`: a key or secret must not sit in a cache.
 */
export function apiKeyRoutes(deps: ApiKeyRouteDeps): Hono<MiniAppEnv> {
  const app = new Hono<MiniAppEnv>();
  const policy = { encryptionKey: deps.config.encryptionKey, allowPrivate: deps.config.webhooks.allowPrivate };

  // ("/x/*" also matches "/x" itself.)
  for (const path of ["/api-keys/*", "/webhook-endpoint/*"]) {
    app.use(path, async (c, next) => {
      if (c.get("appUser").resellerTierId === null) return notReseller(c);
      c.header("cache-control", "no-store");
      await next();
    });
  }

  app.get("/api-keys", async (c) => {
    const keys = await listApiKeys(deps.prisma, c.get("appUser").id);
    return c.json({ keys, scopes: API_SCOPES, maxActive: MAX_ACTIVE_KEYS, maxNameChars: MAX_KEY_NAME_CHARS });
  });

  app.post("/api-keys", async (c) => {
    const body = await jsonBody(c);
    const name = typeof body?.name === "string" ? body.name : null;
    const scopes = Array.isArray(body?.scopes) && body.scopes.every((s) => typeof s === "string") ? (body.scopes as string[]) : null;
    if (name === null || scopes === null) return appError(c, 400, "bad_key_request", "body must be { name, scopes: [read|order|vps…] }");
    const user = c.get("appUser");
    const created = await createApiKey(deps.prisma, { userId: user.id, name, scopes });
    if (!created.ok) {
      const [status, error, message] = CREATE_REFUSED[created.reason];
      return appError(c, status, error, message);
    }
    return c.json({ key: created.key, token: created.token }, 201);
  });

  // The page asks first; the confirmation travels with the call, as the VPS actions' does.
  app.post("/api-keys/:id/revoke", async (c) => {
    const id = idParam(c.req.param("id"));
    if (id === null) return appError(c, 404, "key_not_found", "no such key among yours");
    if ((await jsonBody(c))?.confirm !== true) return appError(c, 409, "confirmation_required", "revoking needs confirm: true");
    const result = await revokeApiKey(deps.prisma, { userId: c.get("appUser").id, keyId: id });
    if (!result.ok) return result.reason === "not_found" ? appError(c, 404, "key_not_found", "no such key among yours") : appError(c, 409, "already_revoked", "this key was already revoked");
    return c.json({ id, prefix: result.prefix, revoked: true });
  });

  app.get("/webhook-endpoint", async (c) => {
    const userId = c.get("appUser").id;
    const [endpoint, log] = await Promise.all([getWebhookEndpoint(deps.prisma, userId), listWebhookDeliveries(deps.prisma, userId, 0, RECENT_DELIVERIES)]);
    return c.json({ endpoint, deliveries: log.items, totalDeliveries: log.total });
  });

  app.put("/webhook-endpoint", async (c) => {
    const url = (await jsonBody(c))?.url;
    if (typeof url !== "string") return appError(c, 400, "bad_webhook_request", "body must be { url }");
    const result = await setWebhookEndpoint(deps.prisma, policy, { userId: c.get("appUser").id, url });
    if (!result.ok) return appError(c, 422, `url_${result.reason}`, URL_REFUSED[result.reason]);
    return c.json({ endpoint: result.endpoint, ...(result.secret ? { secret: result.secret } : {}) });
  });

  app.post("/webhook-endpoint/rotate", async (c) => {
    if ((await jsonBody(c))?.confirm !== true) return appError(c, 409, "confirmation_required", "rotating the secret needs confirm: true");
    const result = await rotateWebhookSecret(deps.prisma, policy, c.get("appUser").id);
    if (!result.ok) return appError(c, 404, "webhook_not_found", "no webhook endpoint set");
    return c.json({ endpoint: result.endpoint, secret: result.secret });
  });

  app.delete("/webhook-endpoint", async (c) => {
    const result = await disableWebhookEndpoint(deps.prisma, c.get("appUser").id);
    if (!result.ok) return appError(c, 404, "webhook_not_found", "no webhook endpoint switched on");
    return c.body(null, 204);
  });

  return app;
}

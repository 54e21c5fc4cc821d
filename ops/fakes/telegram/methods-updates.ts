import { ApiOk, type MethodHandler } from "./context.js";
import { badRequest, conflict } from "./errors.js";

const getUpdates: MethodHandler = async (ctx, p, signal) => {
  if (ctx.webhook.config !== undefined) {
    throw conflict("can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
  }
  const allowed = p.json<string[]>("allowed_updates");
  if (allowed !== undefined && !Array.isArray(allowed)) throw badRequest("can't parse allowed_updates JSON array");
  ctx.queue.setAllowed(allowed);
  const limit = p.int("limit") ?? 100;
  const opts: { offset?: number; limit: number; timeoutSeconds: number; signal: AbortSignal } = {
    limit: Math.max(1, Math.min(100, limit)),
    timeoutSeconds: Math.max(0, p.int("timeout") ?? 0),
    signal,
  };
  const offset = p.int("offset");
  if (offset !== undefined) opts.offset = offset;
  return ctx.queue.poll(opts);
};

const setWebhook: MethodHandler = (ctx, p) => {
  const url = (p.str("url") ?? "").trim();
  if (p.bool("drop_pending_updates") === true) ctx.queue.clear();
  ctx.queue.setAllowed(p.json<string[]>("allowed_updates"));
  if (url === "") {
    const had = ctx.webhook.config !== undefined;
    ctx.webhook.remove();
    return new ApiOk(true, had ? "Webhook was deleted" : "Webhook is already deleted");
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest("bad webhook: Failed to resolve host: Name or service not known");
  }
  // Real Telegram insists on HTTPS (ports 443/80/88/8443); the fake also accepts plain http for local servers.
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw badRequest("bad webhook: An HTTPS URL must be provided for webhook");
  }
  const secret = p.str("secret_token");
  if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
    throw badRequest("secret token contains unallowed characters");
  }
  const maxConnections = p.int("max_connections") ?? 40;
  if (maxConnections < 1 || maxConnections > 100) throw badRequest("bad webhook: max_connections must be between 1 and 100");
  const same = ctx.webhook.config?.url === url && ctx.webhook.config.secretToken === secret;
  ctx.queue.terminateWaiter(conflict("terminated by setWebhook request"));
  const config: { url: string; maxConnections: number; secretToken?: string; ipAddress?: string } = { url, maxConnections };
  if (secret !== undefined) config.secretToken = secret;
  const ip = p.str("ip_address");
  if (ip !== undefined) config.ipAddress = ip;
  ctx.webhook.set(config);
  return new ApiOk(true, same ? "Webhook is already set" : "Webhook was set");
};

const deleteWebhook: MethodHandler = (ctx, p) => {
  if (p.bool("drop_pending_updates") === true) ctx.queue.clear();
  const had = ctx.webhook.config !== undefined;
  ctx.webhook.remove();
  return new ApiOk(true, had ? "Webhook was deleted" : "Webhook is already deleted");
};

/** Update-delivery methods: long polling and webhook management. */
export const updateMethods: Record<string, MethodHandler> = {
  getUpdates,
  setWebhook,
  deleteWebhook,
  getWebhookInfo: (ctx) => ctx.webhook.info(),
};

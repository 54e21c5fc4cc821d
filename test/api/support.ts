/** What the reseller API tests share: a funded reseller with a key, and a small HTTP client. */
import type { PrismaClient } from "../../db/client.js";
import { DEMO_RESELLER_TIER } from "../../db/seed.js";
import { createApiKey, type ApiScope } from "../../shop/api/keys.js";
import { fundWallet } from "../bot/reseller-chat.js";
import { userRow } from "../support/factories.js";

/** A customer with the demo reseller tier, `balanceIdr` in the wallet and an API key with `scopes`. */
export async function resellerWithKey(prisma: PrismaClient, telegramId: number, opts: { balanceIdr?: number; scopes?: ApiScope[]; ratePerMinute?: number } = {}) {
  const tier = await prisma.resellerTier.findUniqueOrThrow({ where: { code: DEMO_RESELLER_TIER.code } });
  const user = await userRow(prisma, telegramId, "Reseller");
  await prisma.user.update({ where: { id: user.id }, data: { resellerTierId: tier.id } });
  if (opts.balanceIdr) await fundWallet(prisma, user.id, opts.balanceIdr, `api-test-fund:${telegramId}`);
  const created = await createApiKey(prisma, { userId: user.id, name: "test key", scopes: opts.scopes ?? ["read", "order", "vps"] });
  if (!created.ok) throw new Error(`createApiKey: ${created.reason}`);
  if (opts.ratePerMinute) await prisma.apiKey.update({ where: { id: created.key.id }, data: { ratePerMinute: opts.ratePerMinute } });
  return { user: { ...user, resellerTierId: tier.id }, token: created.token, keyId: created.key.id };
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Calls `baseUrl + path` with the key (when given) and JSON; the body is parsed when it is JSON. */
export async function call(baseUrl: string, token: string | undefined, method: string, path: string, opts: { body?: unknown; idempotencyKey?: string; headers?: Record<string, string> } = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.idempotencyKey) headers["idempotency-key"] = opts.idempotencyKey;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  if (res.headers.get("content-type")?.includes("json") && text) body = JSON.parse(text) as Record<string, unknown>;
  else body = { raw: text };
  return { status: res.status, headers: res.headers, body };
}

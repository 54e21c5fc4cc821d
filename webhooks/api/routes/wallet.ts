import { OpenAPIHono, z } from "@hono/zod-openapi";
import { walletHold } from "../../../shop/wallet/holds.js";
import { walletBalance } from "../../../shop/wallet/ledger.js";
import type { ApiDeps } from "../deps.js";
import { keyedRoute, type ApiEnv } from "../guards.js";
import { COMMON_ERRORS, json } from "../schemas.js";

const WalletSchema = z
  .object({
    balance_idr: z.number().int(),
    on_hold: z.boolean().openapi({ description: "True while the shop holds the wallet (no spending until it decides); orders get 402 then." }),
  })
  .openapi("Wallet");

const walletRoute = keyedRoute("read", {
  operationId: "getWallet",
  method: "get",
  path: "/",
  tags: ["Wallet"],
  summary: "Your wallet balance",
  description: "What POST /orders pays from. Top-ups are made in the chat (/wallet).",
  responses: { 200: json(WalletSchema, "The balance."), ...COMMON_ERRORS },
});

/** /wallet: the balance orders are paid from (the ledger's sum, as /wallet in the chat shows it). */
export function walletRoutes(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(walletRoute, async (c) => {
    const userId = c.get("apiKey").user.id;
    const [balance, hold] = [await walletBalance(deps.prisma, userId), await walletHold(deps.prisma, userId)];
    return c.json({ balance_idr: balance, on_hold: hold !== null }, 200);
  });
  return app;
}

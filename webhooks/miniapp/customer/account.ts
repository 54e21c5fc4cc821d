import { Hono } from "hono";
import type { PrismaClient } from "../../../db/client.js";
import { revokeSession } from "../../../shop/miniapp/sessions.js";
import type { UserDirectory } from "../../../shop/users/directory.js";
import { walletBalance, walletHistory } from "../../../shop/wallet/ledger.js";
import { appError, jsonBody } from "../reply.js";
import { publicUser, type MiniAppEnv } from "../session.js";

/** Who the app's user is (`GET /me`), log out (`DELETE /session`), their language (`PUT /me/language`, the bot's setLanguage) and wallet with its ledger. */
export function accountRoutes(deps: { prisma: PrismaClient; users: UserDirectory }): Hono<MiniAppEnv> {
  const app = new Hono<MiniAppEnv>();

  app.get("/me", (c) => c.json(publicUser(c.get("appUser"))));

  // Log out: the session ends now instead of at its expiry.
  app.delete("/session", async (c) => {
    await revokeSession(deps.prisma, c.get("appSessionId"));
    return c.body(null, 204);
  });

  app.put("/me/language", async (c) => {
    const language = (await jsonBody(c))?.language;
    if (language !== "id" && language !== "en") return appError(c, 400, "bad_language", 'language must be "id" or "en"');
    const user = await deps.users.setLanguage(c.get("appUser").telegramId, language);
    return c.json(publicUser(user));
  });

  app.get("/wallet", async (c) => {
    const user = c.get("appUser");
    const raw = c.req.query("page");
    const page = raw && /^\d{1,4}$/.test(raw) ? Math.max(1, Number(raw)) : 1;
    const [balanceIdr, history] = await Promise.all([walletBalance(deps.prisma, user.id), walletHistory(deps.prisma, user.id, { page, pageSize: 10 })]);
    return c.json({ balanceIdr, ...history });
  });

  return app;
}

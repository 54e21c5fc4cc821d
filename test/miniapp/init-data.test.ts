/**
 * initData verification as Telegram documents it ("Validating data received via the Mini App"):
 * the HMAC with the "WebAppData"-derived key, any field changed or signed with another bot's token
 * refused, the freshness window, and a signature vector computed independently of our code.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signInitData, verifyInitData } from "../../shop/miniapp/init-data.js";

const TOKEN = "424242:TEST-token-aaaaaaaaaaaaaaaaaaaaaaaa";
const NOW = new Date("2026-12-04T10:00:00Z");
const authDate = String(Math.floor(NOW.getTime() / 1000) - 60);
const user = JSON.stringify({ id: 777001, first_name: "Budi", username: "budi" });
const opts = { maxAgeS: 3600, now: NOW };

describe("verifyInitData", () => {
  it("accepts what Telegram signs, computed here straight from the documented recipe", () => {
    const dataCheck = [`auth_date=${authDate}`, `query_id=AAHdF6IQ`, `user=${user}`].join("\n");
    const secret = createHmac("sha256", "WebAppData").update(TOKEN).digest();
    const hash = createHmac("sha256", secret).update(dataCheck).digest("hex");
    const initData = new URLSearchParams({ query_id: "AAHdF6IQ", user, auth_date: authDate, hash }).toString();
    const verified = verifyInitData(initData, TOKEN, opts);
    expect(verified).toEqual({ ok: true, user: { id: 777001, first_name: "Budi", username: "budi" }, authDate: new Date(Number(authDate) * 1000), hash });
    expect(signInitData({ query_id: "AAHdF6IQ", user, auth_date: authDate }, TOKEN)).toBe(initData);
  });

  it("refuses another bot's signature, a changed field, an added field and a missing hash", () => {
    const good = signInitData({ user, auth_date: authDate }, TOKEN);
    expect(verifyInitData(signInitData({ user, auth_date: authDate }, "999:OTHER-token-bbbbbbbbbbbbbbbbbbbbbb"), TOKEN, opts)).toEqual({ ok: false, reason: "forged" });
    const otherUser = good.replace(encodeURIComponent("777001"), encodeURIComponent("777002"));
    expect(otherUser).not.toBe(good);
    expect(verifyInitData(otherUser, TOKEN, opts)).toEqual({ ok: false, reason: "forged" });
    expect(verifyInitData(`${good}&start_param=x`, TOKEN, opts)).toEqual({ ok: false, reason: "forged" });
    expect(verifyInitData(new URLSearchParams({ user, auth_date: authDate }).toString(), TOKEN, opts)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyInitData(`${good}&user=x`, TOKEN, opts)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyInitData("", TOKEN, opts)).toEqual({ ok: false, reason: "missing" });
  });

  it("refuses a launch older than the window or from the future, and one without a user", () => {
    const old = signInitData({ user, auth_date: String(Math.floor(NOW.getTime() / 1000) - 3601) }, TOKEN);
    expect(verifyInitData(old, TOKEN, opts)).toEqual({ ok: false, reason: "expired" });
    expect(verifyInitData(old, TOKEN, { ...opts, maxAgeS: 7200 }).ok).toBe(true);
    const future = signInitData({ user, auth_date: String(Math.floor(NOW.getTime() / 1000) + 600) }, TOKEN);
    expect(verifyInitData(future, TOKEN, opts)).toEqual({ ok: false, reason: "from_future" });
    expect(verifyInitData(signInitData({ auth_date: authDate }, TOKEN), TOKEN, opts)).toEqual({ ok: false, reason: "no_user" });
  });
});

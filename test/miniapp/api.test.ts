/**
 * The Mini App's HTTP surface against the running service: a launch opens one session (valid,
 * forged, expired, replayed), the session's user is loaded fresh on every call (a ban applies at
 * once), someone else's VPS is refused without a trace, destructive actions need the confirmation,
 * and the customer pages' data comes from the bot's own functions.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setMaintenance } from "../../shop/maintenance/index.js";
import { OWNER_ID } from "../support/service.js";
import { launch, startMiniApp, type MiniAppRig } from "./support.js";

let rig: MiniAppRig;
beforeAll(async () => {
  rig = await startMiniApp();
});
afterAll(async () => {
  await rig?.stop();
});

describe("POST /app/api/session", () => {
  it("opens a session for a valid launch, once: the same initData again is refused as replayed", async () => {
    const { user } = await rig.customerWithVps();
    const initData = launch(user);
    const first = await rig.openSession(initData);
    expect(first.status).toBe(201);
    const body = (await first.json()) as { token: string; user: { id: number; language: string; permissions: string[] } };
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.user).toMatchObject({ id: user.id, language: "id", permissions: [] });
    const stored = await rig.t.db.prisma.appSession.findFirstOrThrow({ where: { userId: user.id } });
    expect(stored.tokenHash).not.toContain(body.token);
    const again = await rig.openSession(initData);
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error: "initdata_replayed" });
    expect(await rig.t.db.prisma.appSession.count({ where: { userId: user.id } })).toBe(1);
  });

  it("refuses forged, tampered, expired and missing initData with 401 and a reason; no session, no user", async () => {
    const stranger = { telegramId: 555_000_111 };
    // Only the stranger's own rows: the service's other roles may add users meanwhile.
    const strangerRows = () => rig.t.db.prisma.user.count({ where: { telegramId: BigInt(stranger.telegramId) } });
    const before = await strangerRows();
    const cases: Array<[string, string]> = [
      [launch(stranger, { token: "999:FORGED-token-bbbbbbbbbbbbbbbbbbbbb" }), "initdata_invalid"],
      // Tampered: the last digit of auth_date changed to a different one (always different, so never the signed value).
      [launch(stranger).replace(/auth_date=\d+/, (m) => `${m.slice(0, -1)}${(Number(m.at(-1)) + 1) % 10}`), "initdata_invalid"],
      [launch(stranger, { authDate: new Date(Date.now() - 2 * 3600_000) }), "initdata_expired"],
      ["", "initdata_missing"],
      ["user=%7B%7D&hash=zz", "initdata_malformed"],
    ];
    for (const [initData, error] of cases) {
      const res = await rig.openSession(initData);
      expect(res.status, error).toBe(401);
      expect(await res.json()).toMatchObject({ error, message: expect.any(String) });
    }
    expect(await strangerRows()).toBe(before);
    expect(await rig.t.db.prisma.appSession.count({ where: { user: { telegramId: BigInt(stranger.telegramId) } } })).toBe(0);
  });

  it("refuses a banned user, and a ban ends an open session at its next request", async () => {
    const { user } = await rig.customerWithVps();
    const token = await rig.tokenFor(user);
    expect((await rig.call(token, "/me")).status).toBe(200);
    await rig.t.db.prisma.user.update({ where: { id: user.id }, data: { bannedAt: new Date() } });
    expect(await rig.call(token, "/vps")).toMatchObject({ status: 403, body: { error: "banned" } });
    const res = await rig.openSession(launch(user));
    expect(res.status).toBe(403);
  });
});

describe("the session", () => {
  it("is needed by every API route, ends at logout and at its expiry", async () => {
    const { user } = await rig.customerWithVps();
    for (const path of ["/me", "/vps", "/orders", "/invoices", "/wallet"]) {
      expect(await rig.call(null, path), path).toMatchObject({ status: 401, body: { error: "session_invalid" } });
      expect((await rig.call("not-a-token", path)).status).toBe(401);
    }
    const token = await rig.tokenFor(user);
    expect((await rig.call(token, "/session", { method: "DELETE" })).status).toBe(204);
    expect((await rig.call(token, "/me")).status).toBe(401);
    // Sessions that ended long ago (their launches long expired) are dropped when the user opens a new one.
    const old = new Date(Date.now() - 3 * 86_400_000);
    await rig.t.db.prisma.appSession.create({ data: { tokenHash: "f".repeat(64), initHash: "e".repeat(64), userId: user.id, createdAt: old, expiresAt: new Date(old.getTime() + 3600_000) } });
    const second = await rig.tokenFor(user);
    expect(await rig.t.db.prisma.appSession.count({ where: { userId: user.id, initHash: "e".repeat(64) } })).toBe(0);
    await rig.t.db.prisma.appSession.updateMany({ where: { userId: user.id, revokedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await rig.call(second, "/me")).status).toBe(401);
  });
});

describe("customer API", () => {
  it("shows only the caller's VPS; someone else's is 404 for reading, acting and renewing, and nothing is queued", async () => {
    const a = await rig.customerWithVps();
    const b = await rig.customerWithVps();
    const token = await rig.tokenFor(a.user);
    const list = await rig.call(token, "/vps");
    expect((list.body.items as Array<{ id: number }>).map((i) => i.id)).toEqual([a.instanceId]);
    const mine = await rig.call(token, `/vps/${a.instanceId}`);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ id: a.instanceId, status: "ACTIVE", liveStatus: "running", specs: { vcpu: 1 } });
    expect((mine.body.actions as Array<{ name: string }>).map((x) => x.name)).toContain("reboot");
    expect(await rig.call(token, `/vps/${b.instanceId}`)).toMatchObject({ status: 404, body: { error: "vps_not_found" } });
    expect((await rig.call(token, `/vps/${b.instanceId}/actions`, { method: "POST", body: { action: "reboot", confirm: true } })).status).toBe(404);
    expect((await rig.call(token, `/vps/${b.instanceId}/renew`, { method: "POST", body: { months: 1 } })).status).toBe(404);
    expect(await rig.t.db.prisma.instanceAction.count({ where: { instanceId: b.instanceId } })).toBe(0);
    expect(await rig.t.db.prisma.order.count({ where: { userId: a.user.id, kind: "RENEWAL" } })).toBe(0);
  });

  it("a destructive action needs confirm: true; confirmed, it runs on the server and is audited", async () => {
    const a = await rig.customerWithVps();
    const token = await rig.tokenFor(a.user);
    expect(await rig.call(token, `/vps/${a.instanceId}/actions`, { method: "POST", body: { action: "reboot" } })).toMatchObject({ status: 409, body: { error: "confirmation_required" } });
    expect((await rig.call(token, `/vps/${a.instanceId}/actions`, { method: "POST", body: { action: "bogus!" } })).status).toBe(400);
    const queued = await rig.call(token, `/vps/${a.instanceId}/actions`, { method: "POST", body: { action: "reboot", confirm: true } });
    expect(queued.status).toBe(202);
    const actionId = queued.body.actionId as number;
    const busy = await rig.call(token, `/vps/${a.instanceId}/actions`, { method: "POST", body: { action: "reboot", confirm: true } });
    expect([202, 409]).toContain(busy.status);
    const deadline = Date.now() + 20_000;
    let status = "QUEUED";
    while (!["DONE", "FAILED"].includes(status) && Date.now() < deadline) {
      status = (await rig.call(token, `/vps/${a.instanceId}/actions/${actionId}`)).body.status as string;
      if (!["DONE", "FAILED"].includes(status)) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe("DONE");
    expect(await rig.t.db.prisma.auditLog.count({ where: { action: "vps.reboot", targetId: String(a.instanceId), actorUserId: a.user.id } })).toBe(1);
  });

  it("renews through the bot's renewal order, paid from the wallet: the VPS is extended by the same follow-up as in the chat", async () => {
    const a = await rig.customerWithVps();
    const token = await rig.tokenFor(a.user);
    const detail = await rig.call(token, `/vps/${a.instanceId}`);
    const option = (detail.body.renewOptions as Array<{ months: number; totalIdr: number }>)[0]!;
    expect(option.totalIdr).toBeGreaterThan(0);
    const renewal = await rig.call(token, `/vps/${a.instanceId}/renew`, { method: "POST", body: { months: option.months } });
    expect(renewal).toMatchObject({ status: 201, body: { totalIdr: option.totalIdr, months: option.months } });
    const orderId = renewal.body.orderId as number;
    expect(await rig.call(token, `/orders/${orderId}/pay-wallet`, { method: "POST" })).toMatchObject({ status: 409, body: { error: "insufficient_balance" } });
    const other = await rig.customerWithVps();
    expect((await rig.call(await rig.tokenFor(other.user), `/orders/${orderId}/pay-wallet`, { method: "POST" })).status).toBe(404);
    const orders = await rig.call(token, "/orders");
    expect((orders.body.items as Array<{ id: number; status: string }>).find((o) => o.id === orderId)).toMatchObject({ status: "PENDING_PAYMENT" });

    // With the money in the wallet: paid, and the settlement's follow-up extends the VPS.
    await rig.fundWallet(a.user.id, option.totalIdr + 5_000);
    const before = (await rig.t.db.prisma.instance.findUniqueOrThrow({ where: { id: a.instanceId } })).expiresAt;
    expect(await rig.call(token, `/orders/${orderId}/pay-wallet`, { method: "POST" })).toMatchObject({ status: 200, body: { balanceAfterIdr: 5_000 } });
    expect(await rig.call(token, "/wallet")).toMatchObject({ body: { balanceIdr: 5_000 } });
    const deadline = Date.now() + 20_000;
    let after = before;
    while (after.getTime() === before.getTime() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = (await rig.t.db.prisma.instance.findUniqueOrThrow({ where: { id: a.instanceId } })).expiresAt;
    }
    expect(after.getTime()).toBeGreaterThan(before.getTime());
    expect((await rig.call(token, `/orders/${orderId}/pay-wallet`, { method: "POST" })).status).toBe(409);
  });

  it("turns auto-renew on and off by the chat's rule: audited per change, someone else's VPS is 404, the write guard applies", async () => {
    const a = await rig.customerWithVps();
    const b = await rig.customerWithVps();
    const token = await rig.tokenFor(a.user);
    const prisma = rig.t.db.prisma;
    const audits = (action: string) => prisma.auditLog.count({ where: { action, targetId: String(a.instanceId), actorUserId: a.user.id, actorType: "CUSTOMER" } });
    expect(await rig.call(token, `/vps/${a.instanceId}/auto-renew`, { method: "PUT", body: { autoRenew: "yes" } })).toMatchObject({ status: 400, body: { error: "bad_auto_renew" } });
    expect(await rig.call(token, `/vps/${a.instanceId}/auto-renew`, { method: "PUT", body: { autoRenew: true } })).toMatchObject({ status: 200, body: { autoRenew: true } });
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: a.instanceId } })).autoRenew).toBe(true);
    expect(await rig.call(token, `/vps/${a.instanceId}`)).toMatchObject({ body: { autoRenew: true } });
    // The same value again changes nothing and audits nothing more.
    expect((await rig.call(token, `/vps/${a.instanceId}/auto-renew`, { method: "PUT", body: { autoRenew: true } })).status).toBe(200);
    expect(await audits("vps.auto_renew.on")).toBe(1);
    expect(await rig.call(token, `/vps/${a.instanceId}/auto-renew`, { method: "PUT", body: { autoRenew: false } })).toMatchObject({ status: 200, body: { autoRenew: false } });
    expect(await audits("vps.auto_renew.off")).toBe(1);
    // Someone else's VPS: not found, untouched, no trace.
    expect(await rig.call(token, `/vps/${b.instanceId}/auto-renew`, { method: "PUT", body: { autoRenew: true } })).toMatchObject({ status: 404, body: { error: "vps_not_found" } });
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: b.instanceId } })).autoRenew).toBe(false);
    expect(await prisma.auditLog.count({ where: { action: { startsWith: "vps.auto_renew" }, targetId: String(b.instanceId) } })).toBe(0);
    // The write guard: refused in maintenance, nothing changed.
    await setMaintenance(rig.t.service.prisma, { on: true, message: "upgrade", actor: {} });
    try {
      expect(await rig.call(token, `/vps/${a.instanceId}/auto-renew`, { method: "PUT", body: { autoRenew: true } })).toMatchObject({ status: 503, body: { error: "maintenance" } });
    } finally {
      await setMaintenance(rig.t.service.prisma, { on: false, actor: {} });
    }
    expect((await prisma.instance.findUniqueOrThrow({ where: { id: a.instanceId } })).autoRenew).toBe(false);
  });

  it("changes the language the bot speaks too, and shows the wallet", async () => {
    const a = await rig.customerWithVps();
    const token = await rig.tokenFor(a.user);
    expect(await rig.call(token, "/me/language", { method: "PUT", body: { language: "en" } })).toMatchObject({ status: 200, body: { language: "en" } });
    expect((await rig.t.db.prisma.user.findUniqueOrThrow({ where: { id: a.user.id } })).language).toBe("en");
    expect((await rig.call(token, "/me/language", { method: "PUT", body: { language: "fr" } })).status).toBe(400);
    expect(await rig.call(token, "/wallet")).toMatchObject({ status: 200, body: { balanceIdr: 0, items: [] } });
  });

  it("an invoice link works for its owner only, and not once tampered with", async () => {
    const a = await rig.customerWithVps();
    const token = await rig.tokenFor(a.user);
    const link = await rig.call(token, `/invoices/${a.orderId}/link`, { method: "POST" });
    expect(link.status).toBe(200);
    const url = link.body.url as string;
    const res = await fetch(rig.url(url));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
    const invoices = await rig.call(token, "/invoices");
    expect(invoices.body.items).toEqual([expect.objectContaining({ orderId: a.orderId })]);
    // Someone else's order, signed for the caller: the download finds no invoice among the caller's orders.
    const b = await rig.customerWithVps();
    const foreign = await rig.call(token, `/invoices/${b.orderId}/link`, { method: "POST" });
    expect((await fetch(rig.url(foreign.body.url as string))).status).toBe(404);
    const forgedUser = url.replace(/u=\d+/, `u=${a.user.id + 1}`);
    expect((await fetch(rig.url(forgedUser))).status).toBe(403);
    const expired = url.replace(/exp=\d+/, "exp=1000");
    expect((await fetch(rig.url(expired))).status).toBe(403);
  });
});

describe("customer writes", () => {
  it("are refused with 503 while the shop is in maintenance (nothing paid, nothing queued); staff keep working", async () => {
    const a = await rig.customerWithVps();
    const token = await rig.tokenFor(a.user);
    const renewal = await rig.call(token, `/vps/${a.instanceId}/renew`, { method: "POST", body: { months: 1 } });
    expect(renewal.status).toBe(201);
    const orderId = renewal.body.orderId as number;
    await rig.fundWallet(a.user.id, (renewal.body.totalIdr as number) + 1_000);
    const balance = (await rig.call(token, "/wallet")).body.balanceIdr;
    const owner = await rig.tokenFor({ telegramId: OWNER_ID });
    const prisma = rig.t.service.prisma;
    await setMaintenance(prisma, { on: true, message: "upgrade", actor: {} });
    try {
      const paid = await rig.call(token, `/orders/${orderId}/pay-wallet`, { method: "POST" });
      expect(paid).toMatchObject({ status: 503, body: { error: "maintenance", message: expect.stringContaining("upgrade") } });
      expect(await rig.call(token, `/vps/${a.instanceId}/actions`, { method: "POST", body: { action: "reboot", confirm: true } })).toMatchObject({ status: 503, body: { error: "maintenance" } });
      expect(await rig.call(token, `/vps/${a.instanceId}/renew`, { method: "POST", body: { months: 1 } })).toMatchObject({ status: 503, body: { error: "maintenance" } });
      // Reading stays possible, as on the reseller API.
      expect((await rig.call(token, `/vps/${a.instanceId}`)).status).toBe(200);
      // Staff work on: their console and their own customer side, as in the chat.
      expect((await rig.call(owner, `/staff/customers/${a.user.id}/tier`, { method: "PUT", body: { tierId: null } })).status).toBe(200);
      expect((await rig.call(owner, "/orders/999999999/pay-wallet", { method: "POST" })).status).toBe(404);
    } finally {
      await setMaintenance(prisma, { on: false, actor: {} });
    }
    expect(await rig.call(token, "/wallet")).toMatchObject({ body: { balanceIdr: balance } });
    expect(await prisma.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "PENDING_PAYMENT" });
    expect(await prisma.instanceAction.count({ where: { instanceId: a.instanceId } })).toBe(0);
    expect(await prisma.order.count({ where: { userId: a.user.id, kind: "RENEWAL" } })).toBe(1);
  });

  it("are limited per user: a burst of 50 renewals gets 429 with Retry-After, and not 50 orders", async () => {
    const a = await rig.customerWithVps();
    const token = await rig.tokenFor(a.user);
    const answers = await Promise.all(Array.from({ length: 50 }, () => rig.rawCall(token, `/vps/${a.instanceId}/renew`, { method: "POST", body: { months: 1 } })));
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await limited[0]!.json()).toMatchObject({ error: "rate_limited" });
    const created = answers.filter((r) => r.status === 201).length;
    expect(await rig.t.db.prisma.order.count({ where: { userId: a.user.id, kind: "RENEWAL" } })).toBe(created);
    expect(created).toBeLessThan(50);
    // Someone else is not slowed down by it.
    const b = await rig.customerWithVps();
    expect((await rig.call(await rig.tokenFor(b.user), `/vps/${b.instanceId}/renew`, { method: "POST", body: { months: 1 } })).status).toBe(201);
  });
});

describe("POST /app/api/session limits", () => {
  const from = (ip: string, initData: string) =>
    fetch(rig.url("/app/api/session"), { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": ip }, body: JSON.stringify({ initData }) });

  it("answers 429 with Retry-After to one address sending launches in a flood (forged ones count too); other addresses go on", async () => {
    // Twice the per-minute budget and one more: a burst crossing a minute's turn still meets the limit.
    const answers = await Promise.all(Array.from({ length: 2 * 60 + 1 }, () => from("203.0.113.7", "user=%7B%7D&hash=zz")));
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await limited[0]!.json()).toMatchObject({ error: "rate_limited" });
    const { user } = await rig.customerWithVps();
    expect((await from("203.0.113.8", launch(user))).status).toBe(201);
  });

  it("answers 429 to one Telegram user opening sessions in a flood, from any address; someone else still logs in", async () => {
    const { user } = await rig.customerWithVps();
    const answers = await Promise.all(Array.from({ length: 2 * 10 + 1 }, (_, i) => from(`198.51.100.${i + 1}`, launch(user))));
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await rig.t.db.prisma.appSession.count({ where: { userId: user.id } })).toBe(answers.filter((r) => r.status === 201).length);
    const other = await rig.customerWithVps();
    expect((await from("198.51.100.1", launch(other.user))).status).toBe(201);
  });
});

/**
 * The customer's Mini App in a real headless Chromium (Debian's) against the running service:
 * opened as Telegram opens it (launch data in the hash), the VPS page renders at phone size in
 * Telegram's light and dark themes (screenshots in test-output/miniapp/), a reboot asked, confirmed
 * and carried out on the (fake) cloud; forged, expired and replayed launches are refused, and
 * someone else's VPS shows "not found". Orders, the invoice download, wallet and language too.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCREENSHOTS, startPhone, type Phone } from "./browser.js";
import { launch, startMiniApp, type MiniAppRig } from "./support.js";

let rig: MiniAppRig;
let phone: Phone;
let alice: Awaited<ReturnType<MiniAppRig["customerWithVps"]>>;
let bob: Awaited<ReturnType<MiniAppRig["customerWithVps"]>>;

beforeAll(async () => {
  rig = await startMiniApp();
  phone = await startPhone();
  alice = await rig.customerWithVps();
  bob = await rig.customerWithVps();
});
afterAll(async () => {
  await phone?.close();
  await rig?.stop();
});

// A real browser on a shared 2-core machine: generous limits (these wait for states, they time nothing).
describe("customer Mini App in Chromium", { timeout: 120_000 }, () => {
  it("renders my VPS at phone size in Telegram's light and dark themes (screenshots)", async () => {
    for (const theme of ["light", "dark"] as const) {
      const page = await phone.open(rig.t.baseUrl, launch(alice.user), theme);
      await page.getByTestId(`vps-${alice.instanceId}`).click();
      await page.getByTestId("vps-detail").waitFor();
      await page.getByText("Menyala", { exact: true }).waitFor();
      // (Page-side code as strings: the test project is compiled without the DOM library.)
      expect(await page.locator("html").getAttribute("data-scheme")).toBe(theme);
      const bg = await page.evaluate<string>(`getComputedStyle(document.querySelector(".topbar")).backgroundColor`);
      expect(bg).toBe(theme === "light" ? "rgb(255, 255, 255)" : "rgb(33, 33, 33)");
      // No horizontal scrolling on a phone.
      expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
      await page.screenshot({ path: path.join(SCREENSHOTS, `customer-vps-${theme}.png`), fullPage: false });
      await page.close();
    }
  });

  it("a reboot asks for confirmation, then goes through on the server", async () => {
    const page = await phone.open(rig.t.baseUrl, launch(alice.user));
    await page.getByTestId(`vps-${alice.instanceId}`).click();
    await page.getByRole("button", { name: "Reboot" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Batal" }).click();
    expect(await rig.t.db.prisma.instanceAction.count({ where: { instanceId: alice.instanceId } })).toBe(0);
    await page.getByRole("button", { name: "Reboot" }).click();
    await page.getByTestId("confirm").click();
    await page.getByText('"Reboot" selesai.').waitFor({ timeout: 30_000 });
    const action = await rig.t.db.prisma.instanceAction.findFirstOrThrow({ where: { instanceId: alice.instanceId } });
    expect(action).toMatchObject({ type: "REBOOT", status: "DONE", userId: alice.user.id });
    await page.close();
  });

  it("an action already running when the page opens (started in the chat) is followed until it ends", async () => {
    const erin = await rig.customerWithVps();
    const prisma = rig.t.db.prisma;
    // Opened as the chat opens it (the worker has not finished it): the page finds it open.
    const open = await prisma.instanceAction.create({ data: { instanceId: erin.instanceId, userId: erin.user.id, type: "REBOOT", status: "RUNNING" } });
    const page = await phone.open(rig.t.baseUrl, launch(erin.user));
    await page.getByTestId(`vps-${erin.instanceId}`).click();
    await page.getByText('Tindakan "Reboot" sedang berjalan…').waitFor();
    expect(await page.getByRole("button", { name: "Reboot" }).count()).toBe(0);
    await prisma.instanceAction.update({ where: { id: open.id }, data: { status: "DONE", finishedAt: new Date() } });
    await page.getByText('"Reboot" selesai.').waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Reboot" }).waitFor();
    await page.close();
  });

  it("switches auto-renew on and off on the VPS page, as the chat's button does", async () => {
    const dave = await rig.customerWithVps();
    const page = await phone.open(rig.t.baseUrl, launch(dave.user));
    await page.getByTestId(`vps-${dave.instanceId}`).click();
    const toggle = page.getByTestId("auto-renew");
    expect(await toggle.isChecked()).toBe(false);
    await toggle.click();
    await expect.poll(() => toggle.isChecked()).toBe(true);
    await expect.poll(async () => (await rig.t.db.prisma.instance.findUniqueOrThrow({ where: { id: dave.instanceId } })).autoRenew).toBe(true);
    await page.getByText("aktif", { exact: true }).waitFor();
    await toggle.click();
    await expect.poll(async () => (await rig.t.db.prisma.instance.findUniqueOrThrow({ where: { id: dave.instanceId } })).autoRenew).toBe(false);
    expect(await rig.t.db.prisma.auditLog.count({ where: { action: { startsWith: "vps.auto_renew." }, targetId: String(dave.instanceId), actorUserId: dave.user.id } })).toBe(2);
    await page.close();
  });

  it("renews a VPS for a month, paid from the wallet", async () => {
    const carol = await rig.customerWithVps();
    await rig.fundWallet(carol.user.id, 100_000);
    const page = await phone.open(rig.t.baseUrl, launch(carol.user));
    await page.getByTestId(`vps-${carol.instanceId}`).click();
    await page.getByRole("button", { name: /^1 bulan · Rp/ }).click();
    await page.getByText(/^Pesanan perpanjangan .+ dibuat/).waitFor();
    await page.getByRole("button", { name: /^Bayar dari saldo/ }).click();
    const paid = await page.getByText(/^Dibayar dari saldo\. Sisa saldo Rp [\d.]+\.$/).textContent();
    const renewal = await rig.t.db.prisma.order.findFirstOrThrow({ where: { userId: carol.user.id, kind: "RENEWAL" } });
    expect(renewal.status).not.toBe("PENDING_PAYMENT");
    expect(paid).toBe(`Dibayar dari saldo. Sisa saldo Rp ${(100_000 - renewal.totalIdr).toLocaleString("id-ID")}.`);
    await page.close();
  });

  it("inside a Telegram client: ready and expand sent, its back button used and obeyed, theme changes followed, downloads handed to it", async () => {
    // What the mobile and desktop apps expose (core.telegram.org/api/web-events), recording what the page sends.
    const proxy = `window.__events = []; window.TelegramWebviewProxy = { postEvent: (type, data) => window.__events.push([type, JSON.parse(data)]) };`;
    const page = await phone.open(rig.t.baseUrl, launch(alice.user), "light", proxy);
    await page.getByTestId(`vps-${alice.instanceId}`).waitFor();
    const events = () => page.evaluate<Array<[string, Record<string, unknown>]>>("window.__events");
    expect((await events()).map(([type]) => type)).toEqual(expect.arrayContaining(["web_app_ready", "web_app_expand"]));
    await page.getByTestId(`vps-${alice.instanceId}`).click();
    await page.getByTestId("vps-detail").waitFor();
    expect((await events()).filter(([type]) => type === "web_app_setup_back_button").at(-1)).toEqual(["web_app_setup_back_button", { is_visible: true }]);
    expect(await page.locator("button.back").count()).toBe(0);
    await page.evaluate(`window.Telegram.WebView.receiveEvent("theme_changed", { theme_params: ${JSON.stringify({ bg_color: "#212121", text_color: "#ffffff" })} })`);
    expect(await page.locator("html").getAttribute("data-scheme")).toBe("dark");
    await page.evaluate(`window.Telegram.WebView.receiveEvent("back_button_pressed", null)`);
    await page.getByTestId(`vps-${alice.instanceId}`).waitFor();
    expect((await events()).filter(([type]) => type === "web_app_setup_back_button").at(-1)).toEqual(["web_app_setup_back_button", { is_visible: false }]);

    await page.getByRole("link", { name: "Pesanan" }).click();
    await page.getByRole("tab", { name: "Faktur" }).click();
    await page.getByTestId(`invoice-${alice.orderId}`).click();
    await expect.poll(async () => (await events()).some(([type]) => type === "web_app_request_file_download"), { timeout: 30_000 }).toBe(true);
    const [, download] = (await events()).find(([type]) => type === "web_app_request_file_download")!;
    expect(download.file_name).toMatch(/^invoice-.+\.pdf$/);
    const pdf = await fetch(String(download.url));
    expect(pdf.status).toBe(200);
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
    await page.close();
  });

  it("someone else's VPS is not shown: the page says not found and nothing is queued", async () => {
    const page = await phone.open(rig.t.baseUrl, launch(alice.user));
    await page.getByTestId(`vps-${alice.instanceId}`).waitFor();
    expect(await page.getByTestId(`vps-${bob.instanceId}`).count()).toBe(0);
    await page.evaluate(`location.hash = "#/vps/${bob.instanceId}"`);
    await page.getByText("VPS tidak ditemukan di akunmu.").waitFor();
    expect(await page.getByTestId("vps-detail").count()).toBe(0);
    expect(await rig.t.db.prisma.instanceAction.count({ where: { instanceId: bob.instanceId } })).toBe(0);
    await page.close();
  });

  it("forged, expired and replayed launches are refused with a message, and open no session", async () => {
    const before = await rig.t.db.prisma.appSession.count();
    const forged = await phone.open(rig.t.baseUrl, launch(alice.user, { token: "999:FORGED-token-bbbbbbbbbbbbbbbbbbbbb" }));
    await forged.getByTestId("auth-refused").waitFor();
    expect(await forged.getByTestId("auth-refused").textContent()).toContain("tidak sah");
    const expired = await phone.open(rig.t.baseUrl, launch(alice.user, { authDate: new Date(Date.now() - 3 * 3600_000) }));
    expect(await expired.getByTestId("auth-refused").textContent()).toContain("sudah lama");
    expect(await rig.t.db.prisma.appSession.count()).toBe(before);

    const once = launch(alice.user);
    const first = await phone.open(rig.t.baseUrl, once);
    await first.getByTestId(`vps-${alice.instanceId}`).waitFor();
    const replay = await phone.open(rig.t.baseUrl, once);
    expect(await replay.getByTestId("auth-refused").textContent()).toContain("sudah dipakai");
    // A reload of the first tab keeps its session (the launch is not spent again).
    await first.reload();
    await first.getByTestId(`vps-${alice.instanceId}`).waitFor();
    expect(await rig.t.db.prisma.appSession.count()).toBe(before + 1);
    for (const p of [forged, expired, first, replay]) await p.close();
  });

  it("orders with the invoice PDF, the wallet, and English on request", async () => {
    const page = await phone.open(rig.t.baseUrl, launch(alice.user));
    await page.getByRole("link", { name: "Pesanan" }).click();
    await page.getByText("Aktif", { exact: true }).first().waitFor();
    await page.getByRole("tab", { name: "Faktur" }).click();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(`invoice-${alice.orderId}`).click()]);
    const file = await download.path();
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(file).subarray(0, 5).toString()).toBe("%PDF-");
    expect(download.suggestedFilename()).toMatch(/^invoice-.+\.pdf$/);

    await page.getByRole("link", { name: "Saldo" }).click();
    expect(await page.getByTestId("wallet-balance").textContent()).toBe("Rp 0");

    await page.getByRole("link", { name: "Pengaturan" }).click();
    await page.getByTestId("lang-en").click();
    await page.getByRole("link", { name: "Orders" }).waitFor();
    expect((await rig.t.db.prisma.user.findUniqueOrThrow({ where: { id: alice.user.id } })).language).toBe("en");
    await page.close();
  });
});

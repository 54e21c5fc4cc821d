/**
 * The reseller API page in a real headless Chromium: reached from Settings (only by a reseller), a
 * key made with a name and scopes is shown once (gone after "I have saved it" and after a reload)
 * and works on /api/v1; revoking asks first, and then the key gets 401; a webhook address set shows
 * its signing secret once. Screenshot
 * test-output/miniapp/api-keys.png at phone size.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_RESELLER_TIER } from "../../db/seed.js";
import { newUser } from "../provisioning/fixtures.js";
import { SCREENSHOTS, startPhone, type Phone } from "./browser.js";
import { launch, startMiniApp, type MiniAppRig } from "./support.js";

let rig: MiniAppRig;
let phone: Phone;

beforeAll(async () => {
  rig = await startMiniApp();
  phone = await startPhone();
});
afterAll(async () => {
  await phone?.close();
  await rig?.stop();
});

const catalogStatus = async (key: string) => (await fetch(rig.url("/api/v1/catalog"), { headers: { authorization: `Bearer ${key}` } })).status;

// A real browser on a shared 2-core machine: generous limits (these wait for states, they time nothing).
describe("API keys page in Chromium", { timeout: 120_000 }, () => {
  it("a reseller makes a key (shown once, works on /api/v1) and revokes it after a confirmation", async () => {
    const prisma = rig.t.db.prisma;
    const tier = await prisma.resellerTier.findUniqueOrThrow({ where: { code: DEMO_RESELLER_TIER.code } });
    const user = await prisma.user.update({ where: { id: (await newUser(prisma)).id }, data: { resellerTierId: tier.id } });
    const page = await phone.open(rig.t.baseUrl, launch(user));
    await page.getByRole("link", { name: "Pengaturan" }).click();
    await page.getByTestId("open-api-keys").click();
    await page.getByText("Kamu belum punya kunci API.").waitFor();
    await page.getByText("Webhook belum diatur.").waitFor();

    await page.getByTestId("key-name").fill("Panel WHMCS");
    await page.getByTestId("scope-order").check();
    await page.getByTestId("key-create").click();
    const shown = page.getByTestId("new-key");
    await shown.waitFor();
    const key = (await shown.textContent())!.trim();
    expect(key).toMatch(/^vsk_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
    const row = await prisma.apiKey.findFirstOrThrow({ where: { userId: user.id } });
    expect(row).toMatchObject({ name: "Panel WHMCS", scopes: ["read", "order"], revokedAt: null });
    expect(key).toContain(row.prefix);
    await page.getByTestId(`key-${row.prefix}`).waitFor();
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SCREENSHOTS, "api-keys.png"), fullPage: false });
    expect(await catalogStatus(key)).toBe(200);

    // Shown once: gone when dismissed, and not in the page after a reload either.
    await page.getByTestId("new-key-done").click();
    await shown.waitFor({ state: "detached" });
    await page.reload();
    await page.getByTestId(`key-${row.prefix}`).waitFor();
    expect(await page.content()).not.toContain(key.slice(-43));

    // Revoke: Cancel changes nothing; Confirm revokes, and the API refuses the key.
    const item = page.getByTestId(`key-${row.prefix}`);
    await item.getByRole("button", { name: "Cabut" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Batal" }).click();
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: row.id } })).revokedAt).toBeNull();
    await item.getByRole("button", { name: "Cabut" }).click();
    await page.getByTestId("confirm").click();
    await page.getByText(`Kunci ${row.prefix} dicabut.`).waitFor();
    await item.getByRole("button", { name: "Cabut" }).waitFor({ state: "detached" });
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: row.id } })).revokedAt).not.toBeNull();
    expect(await catalogStatus(key)).toBe(401);

    // The webhook: a refused address says why; a saved one shows its signing secret once.
    await page.getByTestId("webhook-input").fill("http://203.0.113.10/hook");
    await page.getByTestId("webhook-save").click();
    await page.getByText("Alamat webhook harus diawali https://").waitFor();
    await page.getByTestId("webhook-input").fill("https://203.0.113.10/hook");
    await page.getByTestId("webhook-save").click();
    const secret = page.getByTestId("webhook-secret");
    expect((await secret.textContent())!.trim()).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    await page.getByTestId("webhook-url").getByText("https://203.0.113.10/hook").waitFor();
    await page.getByTestId("webhook-secret-done").click();
    await secret.waitFor({ state: "detached" });
    expect(await prisma.webhookEndpoint.findUniqueOrThrow({ where: { userId: user.id } })).toMatchObject({ url: "https://203.0.113.10/hook", disabledAt: null });
    await page.close();
  });

  it("a customer who is not a reseller sees no API keys entry, and the page itself says why", async () => {
    const user = await newUser(rig.t.db.prisma);
    const page = await phone.open(rig.t.baseUrl, launch(user));
    await page.getByRole("link", { name: "Pengaturan" }).click();
    await page.getByTestId("lang-id").waitFor();
    expect(await page.getByTestId("open-api-keys").count()).toBe(0);
    await page.evaluate(`location.hash = "#/settings/api-keys"`);
    await page.getByText("API hanya untuk reseller.", { exact: false }).first().waitFor();
    await page.close();
  });
});

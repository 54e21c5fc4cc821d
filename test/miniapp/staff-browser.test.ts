/**
 * The staff pages in a real headless Chromium (Debian's) against the running service: the owner's
 * orders table at phone size in Telegram's light and dark themes (screenshots in
 * test-output/miniapp/), the table's filter, an order's timeline and a retry from its card, a price typed into the
 * plans × durations editor saved and audited, the charts drawn; a customer gets no staff pages.
 */
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newOrderReference } from "../../shop/orders/reference.js";
import { failedVpsOrder, openTransfer, paymentUnderReview, userRow } from "../support/factories.js";
import { OWNER_ID } from "../support/service.js";
import { SCREENSHOTS, startPhone, type Phone, type THEMES } from "./browser.js";
import { launch, startMiniApp, type MiniAppRig } from "./support.js";

const OUT = SCREENSHOTS;
const CATALOG_MEMBER = 9_310_001;
const CUSTOMER = 9_310_009;

let rig: MiniAppRig;
let phone: Phone;
let failedRef: string;
let reviewPaymentId: number;

beforeAll(async () => {
  rig = await startMiniApp();
  const prisma = rig.t.db.prisma;
  const customer = await userRow(prisma, CUSTOMER, "Sari");
  await prisma.user.update({ where: { id: customer.id }, data: { username: "sari_vps" } });
  const failed = await failedVpsOrder(prisma, customer.id);
  failedRef = failed.reference;
  await prisma.orderStatusHistory.createMany({
    data: [
      { orderId: failed.id, fromStatus: null, toStatus: "PENDING_PAYMENT", actorType: "CUSTOMER", actorId: String(customer.id) },
      { orderId: failed.id, fromStatus: "PENDING_PAYMENT", toStatus: "PAID", actorType: "GATEWAY", actorId: "tripay" },
      { orderId: failed.id, fromStatus: "PAID", toStatus: "PROVISIONING", actorType: "SYSTEM" },
      { orderId: failed.id, fromStatus: "PROVISIONING", toStatus: "PROVISIONING_FAILED", actorType: "SYSTEM", reason: "region sgp1 out of capacity" },
    ],
  });
  await openTransfer(prisma, customer.id, { uniqueCodeIdr: 117 });
  reviewPaymentId = (await paymentUnderReview(prisma, customer.id, { amountIdr: 150_000, uniqueCodeIdr: 212 })).id;
  const plans = await prisma.plan.findMany({ take: 4, orderBy: { id: "asc" }, include: { provider: true, prices: true } });
  const statuses = ["ACTIVE", "ACTIVE", "EXPIRED", "CANCELLED", "ACTIVE", "REFUNDED"] as const;
  for (const [i, status] of statuses.entries()) {
    const plan = plans[i % plans.length]!;
    const price = plan.prices[0]!.priceIdr * (i % 2 === 0 ? 1 : 3);
    await prisma.order.create({
      data: {
        reference: newOrderReference(), userId: customer.id, kind: "NEW_VPS", status, planCode: plan.code, planName: plan.name, providerCode: plan.provider.code,
        region: plan.region, providerSizeSlug: plan.providerSizeSlug, imageCode: "ubuntu-22.04", providerImageRef: "ubuntu-22-04-x64", durationMonths: i % 2 === 0 ? 1 : 3, basePriceIdr: price, totalIdr: price, snapshot: {}, createdAt: new Date(Date.now() - (i + 1) * 3_600_000),
        ...(status === "ACTIVE" || status === "EXPIRED" || status === "REFUNDED" ? { paidAt: new Date(Date.now() - (i + 1) * 3_600_000) } : {}),
      },
    });
  }
  const member = await userRow(prisma, CATALOG_MEMBER, "Rina");
  const role = await prisma.staffRole.create({ data: { name: "browser-catalog", permissions: ["catalog.manage"] } });
  await prisma.staffMember.create({ data: { userId: member.id, roleId: role.id } });
  phone = await startPhone();
}, 120_000);

afterAll(async () => {
  await phone?.close();
  await rig?.stop();
});

/** Opens the app the way Telegram does (launch data in the hash), as `telegramId`, then goes to `route`. */
async function openApp(telegramId: number, theme: keyof typeof THEMES, route: string): Promise<Page> {
  const page = await phone.open(rig.url(""), launch({ telegramId, firstName: "Staf" }), theme);
  await page.locator(".tabbar").waitFor();
  await page.evaluate(`location.hash = "#/${route}"`);
  return page;
}

// A real browser on a shared 2-core machine: generous limits (these wait for states, they time nothing).
describe("staff pages in Chromium", { timeout: 120_000 }, () => {
  it("shows the owner the orders table at phone width, light and dark (screenshots)", async () => {
    for (const theme of ["light", "dark"] as const) {
      const page = await openApp(OWNER_ID, theme, "staff/orders");
      const table = page.getByTestId("orders-table");
      await table.waitFor();
      await expect.poll(() => table.locator("tbody tr").count()).toBe(9);
      expect(await page.evaluate("document.documentElement.dataset.scheme")).toBe(theme);
      expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
      // The whole table fits the phone: no column hidden behind a sideways scroll.
      expect(await page.evaluate<number>(`(() => { const wrap = document.querySelector(".table-wrap"); return wrap.scrollWidth - wrap.clientWidth; })()`)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(OUT, `staff-orders-${theme}.png`) });
      await page.close();
    }
  });

  it("filters the table by status and opens the order's timeline", async () => {
    const page = await openApp(OWNER_ID, "light", "staff/orders");
    await page.getByTestId("orders-table").waitFor();
    await page.getByTestId("filter-status").selectOption("PROVISIONING_FAILED");
    const rows = page.getByTestId("orders-table").locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(1);
    await rows.first().click();
    const timeline = page.getByTestId("timeline");
    await timeline.waitFor();
    expect(await timeline.locator("li").count()).toBe(4);
    expect(await timeline.textContent()).toContain("region sgp1 out of capacity");
    expect(page.url()).toContain(`#/staff/orders/${failedRef}`);

    // Retry from the card, with the confirmation: the status timeline gains the owner's change.
    await page.getByTestId("order-retry").click();
    await page.getByTestId("confirm").click();
    const prisma = rig.t.db.prisma;
    const order = await prisma.order.findUniqueOrThrow({ where: { reference: failedRef } });
    await expect.poll(() => prisma.auditLog.count({ where: { action: "provisioning.retry", targetId: String(order.id) } }), { timeout: 30_000 }).toBe(1);
    const retried = await prisma.orderStatusHistory.findFirstOrThrow({ where: { orderId: order.id, fromStatus: "PROVISIONING_FAILED", toStatus: "PROVISIONING" } });
    expect(retried).toMatchObject({ actorType: "OWNER" });
    await expect.poll(() => timeline.locator("li").count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
    await page.close();
  });

  it("saves a price typed into the plans × durations editor, audited as the member who typed it, and a reseller tier's", async () => {
    const prisma = rig.t.db.prisma;
    const plan = await prisma.plan.findFirstOrThrow({ orderBy: { id: "asc" }, include: { prices: { where: { durationMonths: 3 } } } });
    const before = plan.prices[0]!.priceIdr;
    const page = await openApp(CATALOG_MEMBER, "light", "staff/catalog");
    const cell = page.getByTestId(`price-${plan.id}-3`);
    await cell.waitFor();
    expect(await page.locator(".tab", { hasText: "Staf" }).count()).toBe(1);
    await cell.fill("Rp 199.000");
    await cell.press("Enter");
    await page.getByTestId(`saved-${plan.id}-3`).waitFor();
    const price = await prisma.planPrice.findUniqueOrThrow({ where: { planId_durationMonths: { planId: plan.id, durationMonths: 3 } } });
    expect(price.priceIdr).toBe(199_000);
    const member = await prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(CATALOG_MEMBER) } });
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { action: "plan.price.update", targetId: String(plan.id) }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ actorUserId: member.id, actorType: "SELLER" });
    expect(audit.details).toMatchObject({ before: { priceIdr: before }, after: { priceIdr: 199_000 }, durationMonths: 3 });
    await page.screenshot({ path: path.join(OUT, "staff-catalog-light.png") });

    // The same table for a reseller tier: a typed price becomes that tier's.
    const tier = await prisma.resellerTier.findFirstOrThrow({ where: { code: "RESELLER" } });
    await page.getByRole("tab", { name: tier.name }).click();
    const tierCell = page.getByTestId(`tier-price-${plan.id}-1`);
    await tierCell.fill("55.000");
    await tierCell.press("Enter");
    await page.getByTestId(`saved-${tier.id}-${plan.id}-1`).waitFor();
    const key = { tierId_planId_durationMonths: { tierId: tier.id, planId: plan.id, durationMonths: 1 } };
    expect((await prisma.resellerPrice.findUniqueOrThrow({ where: key })).priceIdr).toBe(55_000);

    // The same member has no orders permission: the page is not offered and the API says 403.
    await page.evaluate(`location.hash = "#/staff/orders"`);
    await page.getByText("404").waitFor();
    await page.close();
  });

  it("draws the stats charts (interactive ECharts) for the owner", async () => {
    const page = await openApp(OWNER_ID, "dark", "staff/stats");
    for (const id of ["revenue", "funnel", "methods", "provisioning", "top-plans", "providers"]) await page.getByTestId(`chart-${id}`).locator("svg").waitFor();
    await page.screenshot({ path: path.join(OUT, "staff-stats-dark.png"), fullPage: true });
    await page.close();
  });

  it("approves a payment in review from the pending queue, with the confirmation", async () => {
    const page = await openApp(OWNER_ID, "light", "staff/pending");
    await page.getByTestId("pending-list").waitFor();
    await page.screenshot({ path: path.join(OUT, "staff-pending-light.png") });
    await page.getByTestId(`approve-${reviewPaymentId}`).click();
    await page.getByTestId("confirm").click();
    const prisma = rig.t.db.prisma;
    await expect.poll(async () => (await prisma.payment.findUniqueOrThrow({ where: { id: reviewPaymentId } })).status, { timeout: 30_000 }).toBe("PAID");
    await expect.poll(() => page.getByTestId(`approve-${reviewPaymentId}`).count(), { timeout: 30_000 }).toBe(0);
    await page.close();
  });

  it("gives money under review back from the pending queue with a typed reason and the confirmation", async () => {
    const prisma = rig.t.db.prisma;
    const customer = await prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(CUSTOMER) } });
    const review = await paymentUnderReview(prisma, customer.id, { amountIdr: 90_000, uniqueCodeIdr: 213 });
    const page = await openApp(OWNER_ID, "light", "staff/pending");
    const refuse = page.getByTestId(`refuse-${review.id}`);
    await refuse.waitFor();
    expect(await refuse.isDisabled()).toBe(true); // no reason yet
    await page.getByTestId(`reason-${review.id}`).fill("sent twice by mistake");
    await page.getByTestId(`refund-to-${review.id}`).selectOption("wallet");
    await refuse.click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText('"sent twice by mistake"', { exact: false }).waitFor();
    await page.getByTestId("confirm").click();
    await expect.poll(async () => (await prisma.payment.findUniqueOrThrow({ where: { id: review.id } })).status, { timeout: 30_000 }).toBe("REFUNDED");
    await expect.poll(() => page.getByTestId(`refuse-${review.id}`).count(), { timeout: 30_000 }).toBe(0);
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { action: "payment.refund_wallet", targetId: String(review.id) } });
    expect(audit.details).toMatchObject({ reason: "sent twice by mistake" });
    await page.close();
  });

  it("gives a customer no staff tab, no staff page and 403 from the staff API", async () => {
    const page = await openApp(CUSTOMER, "light", "staff/orders");
    await page.getByText("404").waitFor();
    expect(await page.locator(".tab", { hasText: "Staf" }).count()).toBe(0);
    const status = await page.evaluate<number>(`fetch("/app/api/staff/orders", { headers: { authorization: "Bearer " + sessionStorage.getItem("miniapp.session") } }).then((r) => r.status)`);
    expect(status).toBe(403);
    await page.close();
  });
});

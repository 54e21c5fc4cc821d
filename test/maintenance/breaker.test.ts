/**
 * The dependency breaker through the real clients: Vultr behind a proxy that answers 503 keeps
 * failing → selling Vultr is paused (audited, alerted) while DigitalOcean and Linode sell on;
 * the probe resumes it once Vultr answers again. Tripay unreachable → checkout offers the
 * other methods and refuses Tripay with a clear error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { startFaultProxy, type FaultProxy } from "../../ops/fakes/clouds/fault-proxy.js";
import { createProviders, type CloudProviders } from "../../shop/cloud/providers.js";
import { ExternalServiceError } from "../../shop/http/resilient-fetch.js";
import {
  dependencyHealth,
  dependencyProbes,
  dependencyUnreachableCheck,
  isOutage,
  maintenanceState,
  pauseAwareAvailability,
  startDependencyProbes,
} from "../../shop/maintenance/index.js";
import { Checkout, PaymentUnavailableError, type PayableOrder } from "../../shop/payments/checkout.js";
import { MidtransClient } from "../../shop/payments/gateways/midtrans.js";
import { TripayClient } from "../../shop/payments/gateways/tripay.js";
import type { Config } from "../../shop/platform/config.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
let prisma: PrismaClient;
let clouds: FakeClouds;
let proxy: FaultProxy;
let providers: CloudProviders;
const fast = { fetchOptions: { retries: 0, timeoutMs: 3_000 } };

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  clouds = await startFakeClouds();
  proxy = await startFaultProxy(new URL(clouds.vultr.url).origin);
  providers = createProviders({ ...clouds.providers, vultr: { token: clouds.vultr.token, apiUrl: proxy.url(new URL(clouds.vultr.url).pathname) } }, fast);
  dependencyHealth.attach({ prisma });
});
afterAll(async () => {
  await dependencyHealth.settled();
  dependencyHealth.detach();
  await proxy?.stop();
  await clouds?.stop();
  await db?.drop();
});

const audits = () => prisma.auditLog.findMany({ where: { targetType: "maintenance" }, orderBy: { id: "asc" }, select: { action: true, actorType: true, targetId: true, details: true } });
const plan = (providerCode: "DIGITALOCEAN" | "VULTR" | "LINODE") => ({ providerCode, providerSizeSlug: "s", region: "sgp", active: true, stock: null });
/** Every plan is available except what the breaker paused. */
const always = { isAvailable: (p: ReturnType<typeof plan>) => pauseAwareAvailability({ isAvailable: async () => true }, prisma).isAvailable(p) };
const evaluate = () => dependencyUnreachableCheck.evaluate({ prisma, now: new Date() } as Parameters<typeof dependencyUnreachableCheck.evaluate>[0]);

describe("what counts as an outage", () => {
  it("timeouts, network errors, 5xx and refused credentials do; a 404 or a validation error does not", () => {
    const e = (code: ExternalServiceError["code"], status?: number) => new ExternalServiceError({ service: "x", code, message: "m", retryable: false, ...(status ? { status } : {}) });
    expect([e("timeout"), e("network"), e("http_5xx", 503), e("http_4xx", 401), e("http_4xx", 403)].map(isOutage)).toEqual([true, true, true, true, true]);
    expect([e("http_4xx", 404), e("http_4xx", 422), e("rate_limited", 429)].map(isOutage)).toEqual([false, false, false]);
  });
});

describe("a provider that keeps failing", () => {
  it("is paused after 5 failures in a row, alone: the others keep selling", async () => {
    proxy.setRules([{ rate: 1, fault: { status: 503, body: { error: "maintenance" } } }]);
    for (let i = 0; i < 4; i++) await expect(providers.VULTR!.findByTag("t")).rejects.toThrow();
    await dependencyHealth.settled();
    expect((await maintenanceState(prisma)).providers.size).toBe(0);
    await expect(providers.VULTR!.findByTag("t")).rejects.toThrow();
    await expect(providers.DIGITALOCEAN!.findByTag("t")).resolves.toEqual([]);
    await dependencyHealth.settled();
    const state = await maintenanceState(prisma);
    expect([...state.providers.keys()]).toEqual(["VULTR"]);
    expect(state.providers.get("VULTR")).toMatchObject({ reason: "AUTO", detail: expect.stringContaining("5 failed calls in a row") });
    expect(await always.isAvailable(plan("VULTR"))).toBe(false);
    expect(await always.isAvailable(plan("DIGITALOCEAN"))).toBe(true);
    expect(await always.isAvailable(plan("LINODE"))).toBe(true);
    expect(await audits()).toEqual([{ action: "maintenance.on", actorType: "SYSTEM", targetId: "PROVIDER:VULTR", details: expect.objectContaining({ reason: "AUTO" }) }]);
    expect((await evaluate()).map((c) => [c.fingerprint, c.severity])).toEqual([["dependency-unreachable:PROVIDER:VULTR", "critical"]]);
  });

  it("stays paused while the probe still fails, and resumes (audited, alert cleared) once it answers", async () => {
    const prober = startDependencyProbes({ prisma, probes: dependencyProbes({ providers }), intervalMs: 3_600_000 });
    try {
      await prober.runOnce();
      expect((await maintenanceState(prisma)).providers.has("VULTR")).toBe(true);
      proxy.setRules([]);
      await prober.runOnce();
      expect((await maintenanceState(prisma)).providers.size).toBe(0);
    } finally {
      prober.stop();
    }
    expect(await always.isAvailable(plan("VULTR"))).toBe(true);
    expect((await audits()).map((a) => [a.action, a.targetId])).toEqual([
      ["maintenance.on", "PROVIDER:VULTR"],
      ["maintenance.off", "PROVIDER:VULTR"],
    ]);
    expect(await evaluate()).toEqual([]);
  });
});

describe("a gateway that keeps failing", () => {
  it("is no longer offered at checkout and refused with a clear error; the other methods stay", async () => {
    const tripayConfig: NonNullable<Config["tripay"]> = { apiKey: "k", privateKey: "p", merchantCode: "T1", mode: "sandbox", apiUrl: "http://127.0.0.1:9" };
    const tripay = new TripayClient(tripayConfig, fast);
    const midtrans = new MidtransClient({ serverKey: "SB-Mid-server-x", isProduction: false, apiUrl: "http://127.0.0.1:9", snapUrl: "http://127.0.0.1:9" }, fast);
    for (let i = 0; i < 5; i++) await expect(tripay.listChannels()).rejects.toThrow();
    await dependencyHealth.settled();
    const state = await maintenanceState(prisma);
    expect([...state.gateways.keys()]).toEqual(["TRIPAY"]);
    expect(state.providers.size).toBe(0);

    const checkout = new Checkout({ prisma, tripay, midtrans });
    const order = { id: 1, reference: "ORD-X", kind: "WALLET_TOPUP", status: "PENDING_PAYMENT", totalIdr: 50_000, paymentDeadline: null, planName: null, userId: 1, durationMonths: null } as PayableOrder;
    expect((await checkout.methods(order)).map((m) => m.kind)).toEqual(["midtrans"]);
    await expect(checkout.startTripay(order, "QRIS", { name: "Sari", telegramId: 1 })).rejects.toBeInstanceOf(PaymentUnavailableError);
  });
});

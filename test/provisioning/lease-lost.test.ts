/**
 * A run that lost its lease stops (shop/leases.ts withLease's signal, shop/provisioning/provision.ts):
 * the signal fires when a renewal finds the lease taken by another holder or cannot reach
 * Postgres, and a provisioning run checks it before each provider call, so two runs of one order
 * never both build (a Postgres blip longer than the TTL let a second run take the lease). Right
 * before a create it asks Postgres itself (withLease's `confirm`): a run that was stopped past the
 * TTL wakes up before its overdue renewal has even been sent.
 */
import { describe, expect, it } from "vitest";
import { acquireLease, LeaseLostError, withLease } from "../../shop/leases.js";
import { ProvisioningError, orderTag, provisioningLeaseKey } from "../../shop/provisioning/provision.js";
import { fakeOf, newPaidOrder, provisionWith, provisioningSuite, serversTagged } from "./fixtures.js";

const suite = provisioningSuite();

/** Waits (bounded) until the signal fires; returns its reason. */
async function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return signal.reason;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the lease signal never fired")), 20_000);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(signal.reason);
    });
  });
}

describe("withLease", () => {
  it("fires the signal when the lease was taken by another holder (it lapsed while renewals failed)", async () => {
    const key = `test-lease-taken-${Date.now()}`;
    const reason = await withLease(suite.prisma, key, 3_000, async (_lease, signal) => {
      // Another process took it over after it lapsed.
      await suite.prisma.$executeRaw`UPDATE leases SET expires_at = now() - interval '1 second' WHERE key = ${key}`;
      expect(await acquireLease(suite.prisma, key, 60_000, "another-run")).not.toBeNull();
      return aborted(signal);
    });
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(String(reason)).toMatch(/taken/);
  });

  it("confirm() asks Postgres now: passes while the lease is held, throws (and fires the signal) once another holder took it", async () => {
    const key = `test-lease-confirm-${Date.now()}`;
    const reason = await withLease(suite.prisma, key, 60_000, async (_lease, signal, confirm) => {
      await confirm();
      expect(signal.aborted).toBe(false);
      // No renewal due for 20 s: only confirm() can notice the takeover now.
      await suite.prisma.$executeRaw`UPDATE leases SET expires_at = now() - interval '1 second' WHERE key = ${key}`;
      expect(await acquireLease(suite.prisma, key, 60_000, "another-run")).not.toBeNull();
      const err = await confirm().then(
        () => null,
        (e: unknown) => e,
      );
      expect(signal.aborted).toBe(true);
      return err;
    });
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(String(reason)).toMatch(/taken by another holder/);
  });

  it("fires the signal when a renewal cannot reach Postgres", async () => {
    const key = `test-lease-blip-${Date.now()}`;
    let unreachable = false;
    // The shop's client, with Postgres gone for its writes once the lease is held.
    const db = new Proxy(suite.prisma, {
      get(target, prop) {
        if (prop === "$executeRaw" && unreachable) return () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"));
        const value: unknown = Reflect.get(target, prop);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const reason = await withLease(db, key, 3_000, async (_lease, signal) => {
      unreachable = true;
      return aborted(signal);
    });
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(String(reason)).toMatch(/renewal failed .*ECONNREFUSED/);
  });
});

describe("provisioning that lost its lease", () => {
  it("stops before its next provider call with a retryable lease_lost, and never marks the order ACTIVE", async () => {
    const order = await newPaidOrder(suite.prisma, { provider: "DIGITALOCEAN" });
    const fake = fakeOf(suite.clouds, "DIGITALOCEAN");
    fake.setBootDelay(10 * 60_000);
    const lost = new AbortController();
    const run = provisionWith({ prisma: suite.prisma, providers: suite.providers }, order.id, {
      signal: lost.signal,
      // While it waits for the server to boot, another run takes the order over.
      onProgress: async () => lost.abort(new LeaseLostError(provisioningLeaseKey(order.id), "taken by another holder")),
    });
    const err = await run.then(
      () => null,
      (e: unknown) => e,
    );
    fake.setBootDelay(100, 20);
    expect(err).toBeInstanceOf(ProvisioningError);
    expect(err).toMatchObject({ code: "lease_lost", retryable: true });
    expect((await suite.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PROVISIONING");
    // It had created its server before; the run taking over adopts that one by tag.
    expect(serversTagged(fake, orderTag(order.reference))).toHaveLength(1);
  });

  it("a run stopped past its lease (its signal not fired yet) asks Postgres before the create, and creates nothing when another run owns the order", async () => {
    const order = await newPaidOrder(suite.prisma, { provider: "DIGITALOCEAN" });
    const key = provisioningLeaseKey(order.id);
    const stopped = async () => {
      // Stopped for longer than the lease while the timer's renewals waited (60 s TTL: none due
      // within the test): it lapsed, and another run took the order over.
      await suite.prisma.$executeRaw`UPDATE leases SET expires_at = now() - interval '1 second' WHERE key = ${key}`;
      expect(await acquireLease(suite.prisma, key, 60_000, "another-run")).not.toBeNull();
    };
    const err = await withLease(suite.prisma, key, 60_000, async (_lease, signal, confirm) =>
      provisionWith({ prisma: suite.prisma, providers: suite.providers }, order.id, {
        signal,
        // Called right before the create: the stall happens just before it.
        confirmLease: async () => {
          await stopped();
          expect(signal.aborted).toBe(false);
          return confirm();
        },
      }).then(
        () => null,
        (e: unknown) => e,
      ),
    );
    expect(err).toMatchObject({ code: "lease_lost", retryable: true });
    expect(String((err as Error).message)).toMatch(/taken by another holder/);
    expect(serversTagged(fakeOf(suite.clouds, "DIGITALOCEAN"), orderTag(order.reference))).toHaveLength(0);
    expect((await suite.prisma.provisioningTask.findUniqueOrThrow({ where: { orderId: order.id } })).createAttemptedAt).toBeNull();
  });

  it("a run whose signal already fired asks the provider for nothing", async () => {
    const order = await newPaidOrder(suite.prisma, { provider: "DIGITALOCEAN" });
    const lost = new AbortController();
    lost.abort(new LeaseLostError(provisioningLeaseKey(order.id), "renewal failed"));
    await expect(provisionWith({ prisma: suite.prisma, providers: suite.providers }, order.id, { signal: lost.signal })).rejects.toMatchObject({ code: "lease_lost" });
    expect(serversTagged(fakeOf(suite.clouds, "DIGITALOCEAN"), orderTag(order.reference))).toHaveLength(0);
  });
});

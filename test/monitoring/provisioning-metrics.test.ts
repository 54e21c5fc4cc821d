import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { jobId, QueueName } from "../../jobs/queues.js";
import { newPaidOrder } from "../provisioning/fixtures.js";
import { startTestService, type TestService } from "../support/service.js";
import { METRICS_TOKEN, operator } from "./roles.js";

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ clouds: true, env: { METRICS_TOKEN, PROVISION_POLL_MS: "100" } });
  await seedDemoCatalog(t.service.prisma);
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

describe("provisioning duration, in the all-in-one process", () => {
  it("observes payment → running VPS once per order, by provider, on the one /metrics of all roles", async () => {
    const order = await newPaidOrder(t.service.prisma, { provider: "DIGITALOCEAN" });
    await t.service.queues.enqueue(QueueName.Provisioning, { orderId: order.id }, { jobId: jobId("provision", order.id) });
    await expect.poll(async () => (await t.service.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status, { timeout: 30_000 }).toBe("ACTIVE");
    const text = await (await fetch(`${t.baseUrl}/metrics`, operator)).text();
    expect(text).toMatch(/^shop_provisioning_duration_seconds_count\{provider="digitalocean",outcome="active"\} 1$/m);
    // paidAt is the fixture's fixed past date, so the whole wait since then is observed.
    const sum = Number(/^shop_provisioning_duration_seconds_sum\{provider="digitalocean",outcome="active"\} (\S+)$/m.exec(text)?.[1]);
    expect(sum).toBeGreaterThan((Date.now() - order.createdAt.getTime()) / 1000 - 60);
    // Every role's metrics on the web port: the scheduler's gauges and (once BullMQ reports the job done) the worker's counter.
    expect(text).toMatch(/^shop_orders\{status="ACTIVE"\} 1$/m);
    await expect.poll(async () => (await (await fetch(`${t.baseUrl}/metrics`, operator)).text()).match(/^jobs_total\{queue="provisioning",outcome="completed"\} (\d+)$/m)?.[1], { timeout: 10_000 }).toBe("1");
  });
});

/**
 * A queued VPS action never brings back a server the shop has taken away (shop/vps/run-action.ts):
 * an action queued before a suspension, a payment hold or the deletion claim is refused when it
 * runs (FAILED, nothing asked of the provider, the VPS keeps its status), while the power-on that
 * resumes a renewed VPS still runs. And an action whose job died without recording it
 * (failOpenAction, the instance-actions final-failure handler) frees the VPS: the next action and
 * the resume after a renewal are no longer blocked by it.
 */
import { describe, expect, it } from "vitest";
import { failOpenAction, requestAction, runAction } from "../../shop/vps/actions.js";
import { resumeSuspended } from "../../shop/vps/resume.js";
import { activeInstance, DAY, encryptionKey, fakeCloudClock, fakeOf, provisioningSuite, realSleep } from "../provisioning/fixtures.js";

const suite = provisioningSuite();
const ctx = () => ({ prisma: suite.prisma, providers: suite.providers });

const run = (actionId: number) => runAction({ ...ctx(), encryptionKey, sleep: realSleep, pollMs: 20, deadlineMs: 5_000 }, actionId);
const fakeStatus = (id: string | null) => fakeOf(suite.clouds, "DIGITALOCEAN").servers().find((s) => s.id === id)?.status;

/** An ACTIVE DigitalOcean VPS whose server is running and idle. */
async function runningVps() {
  const vps = await activeInstance(ctx(), "DIGITALOCEAN");
  const deadline = Date.now() + 20_000;
  while ((await suite.providers.DIGITALOCEAN!.getServer(vps.providerInstanceId!))?.status !== "running") {
    if (Date.now() > deadline) throw new Error("server not running");
    await realSleep(10);
  }
  fakeCloudClock.advance(60);
  return vps;
}

/** A customer's action queued while the VPS was ACTIVE. */
async function queued(vps: { id: number; userId: number }, action: "reboot" | "power_on" | "power_off") {
  const r = await requestAction(suite.prisma, suite.providers, { userId: vps.userId, instanceId: vps.id, action });
  if (!r.ok) throw new Error(`not queued: ${r.reason}`);
  return r.actionId;
}

/** A gateway refund's hold on the VPS (what shop/payments/chargeback.ts places). */
async function holdOn(vps: { id: number; userId: number; orderId: number }) {
  const payment = await suite.prisma.payment.create({
    data: { orderId: vps.orderId, gateway: "TRIPAY", attemptRef: `HOLD-${vps.id}`, amountIdr: 1, feeIdr: 0, totalIdr: 1, status: "REFUNDED" },
  });
  await suite.prisma.paymentHold.create({ data: { paymentId: payment.id, userId: vps.userId, instanceId: vps.id, instanceStatusBefore: "ACTIVE", reason: "test hold" } });
}

describe("a queued action against a VPS taken away since", () => {
  it("a reboot queued before the expiry suspension is refused: FAILED, server left off, VPS stays SUSPENDED", async () => {
    const vps = await runningVps();
    const actionId = await queued(vps, "reboot");
    // The expiry run suspends it (expired yesterday) and powers it off.
    await suite.providers.DIGITALOCEAN!.action(vps.providerInstanceId!, "power_off");
    await suite.prisma.instance.update({ where: { id: vps.id }, data: { status: "SUSPENDED", suspendedAt: new Date(), expiresAt: new Date(Date.now() - DAY) } });
    const outcome = await run(actionId);
    expect(outcome).toMatchObject({ ok: false, retryable: false, refused: "suspended" });
    expect(await suite.prisma.instanceAction.findUniqueOrThrow({ where: { id: actionId } })).toMatchObject({ status: "FAILED", providerCalledAt: null });
    expect((await suite.prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).status).toBe("SUSPENDED");
    fakeCloudClock.advance(60);
    expect(fakeStatus(vps.providerInstanceId)).toBe("off");
  });

  it("a power-on queued before a payment hold is refused ('held'), even on a VPS still ACTIVE in the row", async () => {
    const vps = await runningVps();
    const actionId = await queued(vps, "power_on");
    await holdOn(vps);
    expect(await run(actionId)).toMatchObject({ ok: false, refused: "held" });
    expect((await suite.prisma.instanceAction.findUniqueOrThrow({ where: { id: actionId } })).status).toBe("FAILED");
  });

  it("an action queued before the deletion claim (deletedAt) is refused ('deleted')", async () => {
    const vps = await runningVps();
    const actionId = await queued(vps, "reboot");
    await suite.prisma.instance.update({ where: { id: vps.id }, data: { deletedAt: new Date() } });
    expect(await run(actionId)).toMatchObject({ ok: false, refused: "deleted" });
    expect((await suite.prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).status).toBe("ACTIVE");
  });

  it("the power-on that resumes a renewed SUSPENDED VPS still runs, and the VPS becomes ACTIVE", async () => {
    const vps = await runningVps();
    await suite.providers.DIGITALOCEAN!.action(vps.providerInstanceId!, "power_off");
    fakeCloudClock.advance(60);
    await suite.prisma.instance.update({ where: { id: vps.id }, data: { status: "SUSPENDED", suspendedAt: new Date(), expiresAt: new Date(Date.now() + 30 * DAY) } });
    const resumed = await resumeSuspended(suite.prisma, { instanceId: vps.id });
    if (!resumed.ok) throw new Error(`not resumed: ${resumed.reason}`);
    expect(await run(resumed.actionId)).toMatchObject({ ok: true });
    expect((await suite.prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).status).toBe("ACTIVE");
  });
});

describe("an action whose job died without recording it", () => {
  it("is failed by failOpenAction, after which the VPS takes actions again and a resume is not blocked", async () => {
    const vps = await runningVps();
    const actionId = await queued(vps, "reboot");
    // The worker died mid-run (RUNNING), more often than the queue allows: the job is failed for good.
    await suite.prisma.instanceAction.update({ where: { id: actionId }, data: { status: "RUNNING", startedAt: new Date() } });
    expect(await requestAction(suite.prisma, suite.providers, { userId: vps.userId, instanceId: vps.id, action: "power_off" })).toEqual({ ok: false, reason: "busy" });
    expect(await failOpenAction(suite.prisma, actionId, "job stalled more than allowable limit")).toEqual({ instanceId: vps.id, action: "reboot", passwordChanged: false });
    expect(await suite.prisma.instanceAction.findUniqueOrThrow({ where: { id: actionId } })).toMatchObject({ status: "FAILED", error: "job stalled more than allowable limit" });
    // Once only: a second call (the sweep after the failed event) finds nothing open.
    expect(await failOpenAction(suite.prisma, actionId, "again")).toBeNull();
    // Suspended for expiry, then renewed: the resume is no longer blocked by the dead action.
    await suite.prisma.instance.update({ where: { id: vps.id }, data: { status: "SUSPENDED", expiresAt: new Date(Date.now() + 30 * DAY) } });
    await expect(resumeSuspended(suite.prisma, { instanceId: vps.id })).resolves.toMatchObject({ ok: true, created: true });
  });
});

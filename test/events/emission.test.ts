/**
 * The five customer events are recorded where the fact becomes true, once per subject, by the
 * same domain functions the bot and the jobs use (fake clouds, real Postgres):
 *
 * - vps.active by provisionOrder (a re-run of an ACTIVE order records nothing), without the password;
 * - vps.action_done by runAction (a re-run of a DONE action records nothing);
 * - vps.provision_failed by recordProvisioningFailure(final), once per failure;
 * - order.paid by the payment follow-up "paid", once however often it runs;
 * - vps.expiring by the renewal reminders, once per threshold (7, 3, 1 days).
 *
 * A user with a webhook endpoint gets a webhook delivery for each; a confirmed email address adds
 * an email delivery for all but "action done".
 */
import { describe, expect, it } from "vitest";
import type { CustomerEventType } from "../../db/client.js";
import { renewalReminders } from "../../shop/lifecycle/reminders.js";
import { runPaymentFollowup } from "../../shop/payments/followups.js";
import { recordProvisioningFailure } from "../../shop/provisioning/provision.js";
import type { OutboundJob } from "../../shop/events/record.js";
import { requestAction, runAction } from "../../shop/vps/actions.js";
import { DAY, encryptionKey, newPaidOrder, NOW, openPassword, provisioningSuite, provisionWith, realSleep } from "../provisioning/fixtures.js";
import { resellerWithEndpoint } from "./support.js";

const suite = provisioningSuite();
const base = () => ({ prisma: suite.prisma, providers: suite.providers });

/** A reseller with an endpoint (never called here) and, with `email`, a confirmed address. */
async function reseller(email?: string) {
  const r = await resellerWithEndpoint(suite.prisma, encryptionKey, "https://hooks.example.com/shop");
  if (email) await suite.prisma.user.update({ where: { id: r.userId }, data: { email, emailVerifiedAt: NOW } });
  return r.userId;
}

const events = (type: CustomerEventType, userId: number) => suite.prisma.customerEvent.findMany({ where: { type, userId }, orderBy: { id: "asc" } });
const kinds = (jobs: readonly OutboundJob[] | undefined) => (jobs ?? []).map((j) => j.kind).sort();

async function activeVps(userId: number) {
  const order = await newPaidOrder(suite.prisma, { provider: "DIGITALOCEAN", userId });
  const result = await provisionWith(base(), order.id);
  if (result.status !== "active") throw new Error(`provisioning skipped: ${result.why}`);
  return { order, result, instance: await suite.prisma.instance.findUniqueOrThrow({ where: { id: result.instanceId } }) };
}

describe("customer events at domain depth", () => {
  it("vps.active: recorded with the instance becoming ACTIVE, once, never with the password", async () => {
    const userId = await reseller("pembeli@example.com");
    const { order, result, instance } = await activeVps(userId);
    expect(result.status === "active" && kinds(result.outbound)).toEqual(["email", "webhook"]);
    const [event, ...more] = await events("VPS_ACTIVE", userId);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ subjectKey: `instance:${instance.id}`, data: { instance_id: instance.id, order_id: order.id, reference: order.reference, ipv4: instance.ipv4 } });
    expect(JSON.stringify(event!.data)).not.toContain(await openPassword(instance.rootPasswordEnc));

    const again = await provisionWith(base(), order.id);
    expect(again).toMatchObject({ status: "active", alreadyDone: true });
    expect(again.status === "active" && again.outbound).toBeUndefined();
    expect(await events("VPS_ACTIVE", userId)).toHaveLength(1);
  });

  it("vps.action_done: recorded with the action's DONE, once; webhook only (no email for it)", async () => {
    const userId = await reseller("pembeli2@example.com");
    const { instance } = await activeVps(userId);
    const req = await requestAction(suite.prisma, suite.providers, { userId, instanceId: instance.id, action: "reboot" });
    if (!req.ok) throw new Error(`action refused: ${JSON.stringify(req)}`);
    const run = () => runAction({ prisma: suite.prisma, providers: suite.providers, encryptionKey, sleep: realSleep, pollMs: 20, deadlineMs: 5_000 }, req.actionId);
    const outcome = await run();
    expect(outcome.ok && kinds(outcome.outbound)).toEqual(["webhook"]);
    expect(await events("VPS_ACTION_DONE", userId)).toMatchObject([{ subjectKey: `action:${req.actionId}`, data: { action: "reboot", instance_id: instance.id } }]);
    const rerun = await run();
    expect(rerun.ok && rerun.outbound).toBeUndefined();
    expect(await events("VPS_ACTION_DONE", userId)).toHaveLength(1);
  });

  it("vps.provision_failed: recorded when the order fails for good, once per failure", async () => {
    const userId = await reseller();
    const order = await newPaidOrder(suite.prisma, { provider: "DIGITALOCEAN", userId });
    const queued: OutboundJob[][] = [];
    const collect = async (jobs: OutboundJob[]) => void queued.push(jobs);
    expect(await recordProvisioningFailure(suite.prisma, order.id, new Error("boom"), false, collect)).toBe(false);
    expect(queued).toEqual([]);
    expect(await recordProvisioningFailure(suite.prisma, order.id, new Error("boom"), true, collect)).toBe(true);
    expect(await recordProvisioningFailure(suite.prisma, order.id, new Error("boom"), true, collect)).toBe(false);
    expect(queued.map(kinds)).toEqual([["webhook"]]);
    const failure = await suite.prisma.orderStatusHistory.findFirstOrThrow({ where: { orderId: order.id, toStatus: "PROVISIONING_FAILED" } });
    expect(await events("VPS_PROVISION_FAILED", userId)).toMatchObject([{ subjectKey: `order:${order.id}:${failure.id}`, data: { order_id: order.id, reference: order.reference, reason: "internal" } }]);
  });

  it("order.paid: in the payment follow-up's work, once however often the follow-up runs", async () => {
    const userId = await reseller("pembeli3@example.com");
    const order = await newPaidOrder(suite.prisma, { provider: "DIGITALOCEAN", userId });
    const payment = await suite.prisma.payment.create({
      data: { orderId: order.id, gateway: "WALLET", attemptRef: `W-${order.reference}`, amountIdr: order.totalIdr, feeIdr: 0, totalIdr: order.totalIdr, status: "PAID", paidAt: NOW },
    });
    const deps = { prisma: suite.prisma, providers: {}, staff: { sellerIds: [], ownerIds: [] }, formatDate: (d: Date) => d.toISOString() };
    const outbound = async () => (await runPaymentFollowup(deps, { kind: "paid", paymentId: payment.id })).work.filter((w) => w.kind === "outbound");
    expect((await outbound()).map((w) => kinds(w.jobs))).toEqual([["email", "webhook"]]);
    expect(await outbound()).toEqual([]);
    expect(await events("ORDER_PAID", userId)).toMatchObject([{ subjectKey: `order:${order.id}`, data: { order_id: order.id, reference: order.reference, amount_idr: order.totalIdr, payment_id: payment.id, kind: "new_vps" } }]);
  });

  it("vps.expiring: with each renewal reminder (7, 3, 1 days), once per threshold", async () => {
    const userId = await reseller();
    const { instance } = await activeVps(userId);
    const remind = (daysBefore: number) =>
      renewalReminders(suite.prisma, { reminderDays: [7, 3, 1], paymentTtlHours: 24, now: new Date(instance.expiresAt.getTime() - daysBefore * DAY) }, async () => undefined);
    const mine = async (daysBefore: number) => (await remind(daysBefore)).notices.filter((n) => n.instanceId === instance.id);
    for (const [before, days] of [[6.5, 7], [2.5, 3], [0.5, 1]] as const) {
      const [notice] = await mine(before);
      expect(notice?.kind === "reminder" && { days: notice.days, outbound: kinds(notice.outbound) }).toEqual({ days, outbound: ["webhook"] });
    }
    expect(await mine(0.4)).toEqual([]);
    const date = instance.expiresAt.toISOString().slice(0, 10);
    expect((await events("VPS_EXPIRING", userId)).map((e) => [e.subjectKey, (e.data as { days_left: number }).days_left])).toEqual([
      [`instance:${instance.id}:${date}:7d`, 7],
      [`instance:${instance.id}:${date}:3d`, 3],
      [`instance:${instance.id}:${date}:1d`, 1],
    ]);
  });
});

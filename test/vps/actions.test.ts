/**
 * Customer VPS actions (shop/vps/actions.ts): who may ask for what (requestAction), the
 * one-open-action-per-VPS guarantee of the partial unique index
 * (db/migrations/20261121100000_one_open_action_per_instance), and runAction against the fake
 * clouds: the server really changes state, our row follows, a new password is stored sealed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient, type ProviderCode } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import type { FakeClouds } from "../../ops/fakes/clouds/index.js";
import type { ServerAction } from "../../shop/cloud/provider.js";
import type { CloudProviders } from "../../shop/cloud/providers.js";
import { availableActions, requestAction, runAction, userInstance } from "../../shop/vps/actions.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { activeInstance, encryptionKey, fakeCloudClock, fakeOf, fakeProviders, newUser, NOW, openPassword, realSleep, startFastClouds } from "../provisioning/fixtures.js";

let db: TestDatabase;
let prisma: PrismaClient;
let racePrisma: PrismaClient;
let clouds: FakeClouds;
let providers: CloudProviders;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  racePrisma = createPrisma(db.url, { max: 10, applicationName: "vps-shop:test-race" });
  await seedDemoCatalog(prisma, NOW);
  clouds = await startFastClouds();
  providers = fakeProviders(clouds);
});
afterAll(async () => {
  await racePrisma?.$disconnect();
  await clouds?.stop();
  await db?.drop();
});

const base = () => ({ prisma, providers });
const run = (actionId: number) => runAction({ prisma, providers, encryptionKey, sleep: realSleep, pollMs: 20, deadlineMs: 5_000 }, actionId);

/** The fake's own view of the server behind an instance. */
function fakeServer(code: ProviderCode, providerInstanceId: string | null) {
  const s = fakeOf(clouds, code).servers().find((x) => x.id === providerInstanceId);
  if (!s) throw new Error(`no fake server ${providerInstanceId}`);
  return s;
}

/** Waits until the fake reports the server idle and running (after boot or an action). */
async function settledRunning(code: ProviderCode, id: string) {
  const provider = providers[code]!;
  const deadline = Date.now() + 20_000;
  while ((await provider.getServer(id))?.status !== "running") {
    if (Date.now() > deadline) throw new Error(`server ${id} not running`);
    await realSleep(10);
  }
  fakeCloudClock.advance(60); // past any busy window of the fake (its time moves on at once, no sleep)
}

describe("requestAction refusals", () => {
  it("another customer's VPS is 'not found' (and so is a VPS that does not exist)", async () => {
    const vps = await activeInstance(base(), "DIGITALOCEAN");
    const stranger = await newUser(prisma);
    expect(await requestAction(prisma, providers, { userId: stranger.id, instanceId: vps.id, action: "reboot" })).toEqual({ ok: false, reason: "not_found" });
    expect(await requestAction(prisma, providers, { userId: vps.userId, instanceId: 9_999_999, action: "reboot" })).toEqual({ ok: false, reason: "not_found" });
    expect(await userInstance(prisma, stranger.id, vps.id)).toBeNull();
    expect(await prisma.instanceAction.count({ where: { instanceId: vps.id } })).toBe(0);
    expect(await prisma.auditLog.count({ where: { targetType: "instance", targetId: String(vps.id) } })).toBe(0);
  });

  it("actions a provider does not offer are 'unsupported': DigitalOcean reset_password/reinstall, Vultr reset_password/shutdown", async () => {
    const dig = await activeInstance(base(), "DIGITALOCEAN");
    const vul = await activeInstance(base(), "VULTR");
    const lin = await activeInstance(base(), "LINODE");
    for (const action of ["reset_password", "reinstall"] as ServerAction[]) {
      expect(await requestAction(prisma, providers, { userId: dig.userId, instanceId: dig.id, action, liveStatus: "off" })).toEqual({ ok: false, reason: "unsupported" });
    }
    for (const action of ["reset_password", "shutdown"] as ServerAction[]) {
      expect(await requestAction(prisma, providers, { userId: vul.userId, instanceId: vul.id, action, liveStatus: "off" })).toEqual({ ok: false, reason: "unsupported" });
    }
    // What the VPS screen offers matches.
    expect(availableActions(providers.DIGITALOCEAN, dig)).toEqual(["reboot", "power_off", "power_on", "shutdown"]);
    expect(availableActions(providers.VULTR, vul)).toEqual(["reboot", "power_off", "power_on", "reinstall"]);
    expect(availableActions(providers.LINODE, lin)).toContain("reset_password");
    // A provider that is not configured on this shop: nothing is supported.
    expect(await requestAction(prisma, { VULTR: providers.VULTR }, { userId: dig.userId, instanceId: dig.id, action: "reboot" })).toEqual({ ok: false, reason: "unsupported" });
    expect(await prisma.instanceAction.count({ where: { instanceId: { in: [dig.id, vul.id] } } })).toBe(0);
  });

  it("Linode reset_password needs the server off ('needs_off' while running or unknown)", async () => {
    const lin = await activeInstance(base(), "LINODE");
    expect(await requestAction(prisma, providers, { userId: lin.userId, instanceId: lin.id, action: "reset_password", liveStatus: "running" })).toEqual({ ok: false, reason: "needs_off" });
    expect(await requestAction(prisma, providers, { userId: lin.userId, instanceId: lin.id, action: "reset_password" })).toEqual({ ok: false, reason: "needs_off" });
    expect(await prisma.instanceAction.count({ where: { instanceId: lin.id } })).toBe(0);
  });

  it("a VPS that is not ACTIVE/OFF is 'not_active'", async () => {
    const vps = await activeInstance(base(), "VULTR");
    await prisma.instance.update({ where: { id: vps.id }, data: { status: "SUSPENDED" } });
    expect(await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "power_on" })).toEqual({ ok: false, reason: "not_active", status: "SUSPENDED" });
    expect(availableActions(providers.VULTR, { status: "SUSPENDED" })).toEqual([]);
  });

  it("a VPS the expiry run has claimed for deletion (deletedAt) takes no more actions", async () => {
    const vps = await activeInstance(base(), "VULTR");
    await prisma.instance.update({ where: { id: vps.id }, data: { deletedAt: new Date() } });
    expect(await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "reboot" })).toEqual({ ok: false, reason: "not_active", status: "ACTIVE" });
  });

  it("two concurrent requests on one VPS: exactly one is accepted, the other is 'busy' (partial unique index)", async () => {
    const vps = await activeInstance(base(), "DIGITALOCEAN");
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([
        requestAction(racePrisma, providers, { userId: vps.userId, instanceId: vps.id, action: "reboot" }),
        requestAction(racePrisma, providers, { userId: vps.userId, instanceId: vps.id, action: "power_off" }),
        requestAction(racePrisma, providers, { userId: vps.userId, instanceId: vps.id, action: "reboot" }),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([
        { ok: false, reason: "busy" },
        { ok: false, reason: "busy" },
      ]);
      const open = await prisma.instanceAction.findMany({ where: { instanceId: vps.id, status: { in: ["QUEUED", "RUNNING"] } } });
      expect(open).toHaveLength(1);
      // Only the accepted request is audited.
      expect(await prisma.auditLog.count({ where: { targetType: "instance", targetId: String(vps.id) } })).toBe(round + 1);
      // Still busy while RUNNING; free again once it is finished.
      await prisma.instanceAction.update({ where: { id: open[0]!.id }, data: { status: "RUNNING" } });
      expect(await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "reboot" })).toEqual({ ok: false, reason: "busy" });
      await prisma.instanceAction.update({ where: { id: open[0]!.id }, data: { status: round === 0 ? "DONE" : "FAILED", finishedAt: new Date() } });
    }
    // The index is a database guarantee, not just a check in requestAction.
    await prisma.instanceAction.create({ data: { instanceId: vps.id, userId: vps.userId, type: "REBOOT", status: "QUEUED" } });
    await expect(prisma.instanceAction.create({ data: { instanceId: vps.id, userId: vps.userId, type: "REBOOT", status: "RUNNING" } })).rejects.toMatchObject({ code: "P2002" });
  });
});

describe("runAction", () => {
  it.each<ProviderCode>(["DIGITALOCEAN", "VULTR", "LINODE"])("%s: power_off → OFF, power_on → ACTIVE, reboot → ACTIVE; the server follows; each request audited", async (code) => {
    const vps = await activeInstance(base(), code);
    const id = vps.providerInstanceId!;
    await settledRunning(code, id);
    const act = async (action: ServerAction) => {
      const req = await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action });
      if (!req.ok) throw new Error(`${action} refused: ${JSON.stringify(req)}`);
      const outcome = await run(req.actionId);
      expect(outcome).toEqual({ ok: true, instanceId: vps.id, action, newPassword: false });
      const row = await prisma.instanceAction.findUniqueOrThrow({ where: { id: req.actionId } });
      expect(row).toMatchObject({ status: "DONE", type: action.toUpperCase(), userId: vps.userId, error: null });
      expect(row.startedAt).not.toBeNull();
      expect(row.finishedAt).not.toBeNull();
      // Running it again (a redelivered job) does nothing more.
      const requestsBefore = fakeOf(clouds, code).requests().length;
      expect(await run(req.actionId)).toMatchObject({ ok: true, newPassword: false });
      expect(fakeOf(clouds, code).requests().length).toBe(requestsBefore);
      fakeCloudClock.advance(60); // past the fake's busy window (its time moves on at once, no sleep)
      return (await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).status;
    };

    expect(await act("power_off")).toBe("OFF");
    expect((await providers[code]!.getServer(id))!.status).toBe("off");
    expect(fakeServer(code, id).status).toMatch(/off|stopped|offline/);
    expect(await act("power_on")).toBe("ACTIVE");
    expect((await providers[code]!.getServer(id))!.status).toBe("running");
    await settledRunning(code, id);
    expect(await act("reboot")).toBe("ACTIVE");
    expect((await providers[code]!.getServer(id))!.status).toBe("running");

    const audits = await prisma.auditLog.findMany({ where: { targetType: "instance", targetId: String(vps.id) }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.action)).toEqual(["vps.power_off", "vps.power_on", "vps.reboot"]);
    const actions = await prisma.instanceAction.findMany({ where: { instanceId: vps.id }, orderBy: { id: "asc" } });
    expect(audits.map((a) => (a.details as { actionId: number }).actionId)).toEqual(actions.map((a) => a.id));
    for (const a of audits) expect(a).toMatchObject({ actorUserId: vps.userId, actorType: "CUSTOMER" });
  });

  it("Linode reset_password when off: the provider gets a new password, stored only sealed; audited", async () => {
    const vps = await activeInstance(base(), "LINODE");
    const id = vps.providerInstanceId!;
    const oldPassword = await openPassword(vps.rootPasswordEnc);
    await settledRunning("LINODE", id);
    const off = await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "power_off" });
    if (!off.ok) throw new Error("power_off refused");
    expect(await run(off.actionId)).toMatchObject({ ok: true });
    fakeCloudClock.advance(60); // past the fake's busy window (its time moves on at once, no sleep)
    const live = (await providers.LINODE!.getServer(id))!.status;
    expect(live).toBe("off");

    const req = await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "reset_password", liveStatus: live });
    expect(req.ok).toBe(true);
    if (!req.ok) return;
    expect(await run(req.actionId)).toEqual({ ok: true, instanceId: vps.id, action: "reset_password", newPassword: true });

    const after = await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } });
    expect(after.status).toBe("OFF"); // a password reset does not change the power state
    const newPassword = await openPassword(after.rootPasswordEnc);
    expect(newPassword).not.toBe(oldPassword);
    expect(fakeServer("LINODE", id).rootPassword).toBe(newPassword);
    const bytes = Buffer.from(after.rootPasswordEnc!);
    expect(bytes.includes(Buffer.from(newPassword))).toBe(false);
    expect(Buffer.from(vps.rootPasswordEnc!).equals(bytes)).toBe(false);
    expect(await prisma.auditLog.findMany({ where: { targetType: "instance", targetId: String(vps.id) }, orderBy: { id: "asc" }, select: { action: true } })).toEqual([
      { action: "vps.power_off" },
      { action: "vps.reset_password" },
    ]);
  });

  it("a provider refusal is recorded as FAILED (non-retryable) and the stored password is unchanged", async () => {
    const vps = await activeInstance(base(), "LINODE");
    await settledRunning("LINODE", vps.providerInstanceId!);
    // The customer's screen said "off" but the server is running: Linode refuses the reset.
    const req = await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "reset_password", liveStatus: "off" });
    if (!req.ok) throw new Error("refused");
    const outcome = await run(req.actionId);
    expect(outcome).toMatchObject({ ok: false, action: "reset_password", retryable: false });
    const row = await prisma.instanceAction.findUniqueOrThrow({ where: { id: req.actionId } });
    expect(row.status).toBe("FAILED");
    expect(row.error).toMatch(/turned off/);
    const after = await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } });
    expect(Buffer.from(after.rootPasswordEnc!).equals(Buffer.from(vps.rootPasswordEnc!))).toBe(true);
    expect(after.status).toBe("ACTIVE");
    // The VPS is free for the next action.
    expect(await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "reboot" })).toMatchObject({ ok: true });
  });

  it("a transient provider error leaves the action open for the job's retry", async () => {
    const vps = await activeInstance(base(), "VULTR");
    await settledRunning("VULTR", vps.providerInstanceId!);
    const req = await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "reboot" });
    if (!req.ok) throw new Error("refused");
    clouds.vultr.fail(1, { status: 503 });
    expect(await run(req.actionId)).toMatchObject({ ok: false, retryable: true });
    expect((await prisma.instanceAction.findUniqueOrThrow({ where: { id: req.actionId } })).status).toBe("RUNNING");
    expect(await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "power_off" })).toEqual({ ok: false, reason: "busy" });
    expect(await run(req.actionId)).toMatchObject({ ok: true });
    expect((await prisma.instanceAction.findUniqueOrThrow({ where: { id: req.actionId } })).status).toBe("DONE");
  });
});

describe("runAction: a new password is sealed before the call, and a retry never repeats an accepted action", () => {
  const rebuilds = (id: string) => clouds.linode.requests().filter((r) => r.method === "POST" && r.path === `/v4/linode/instances/${id}/rebuild`).length;
  const sealedOnRow = async (actionId: number) => openPassword((await prisma.instanceAction.findUniqueOrThrow({ where: { id: actionId } })).newPasswordEnc);

  /** A provider whose action() reaches the cloud, then "the worker dies" before anything is written. */
  const dyingAfterCall = (): CloudProviders => {
    const linode = Object.create(providers.LINODE!) as NonNullable<CloudProviders["LINODE"]>;
    linode.action = async (id, action, opts) => {
      await providers.LINODE!.action(id, action, opts);
      throw new Error("worker killed right after the provider call");
    };
    return { ...providers, LINODE: linode };
  };

  /** The first attempt of a reinstall: its answer is lost (timeout, but the cloud processed it) or the worker dies after the call. */
  async function firstAttemptLost(how: "timeout" | "crash", actionId: number) {
    if (how === "timeout") {
      clouds.linode.timeout(1, { process: true });
      // A short HTTP timeout for this attempt only: its answer is meant to be lost.
      const hasty = fakeProviders(clouds, 400);
      expect(await runAction({ prisma, providers: hasty, encryptionKey, sleep: realSleep, pollMs: 20, deadlineMs: 5_000 }, actionId)).toMatchObject({ ok: false, retryable: true, action: "reinstall" });
    } else {
      await expect(runAction({ prisma, providers: dyingAfterCall(), encryptionKey, sleep: realSleep, pollMs: 20, deadlineMs: 5_000 }, actionId)).rejects.toThrow(/worker killed/);
    }
    const row = await prisma.instanceAction.findUniqueOrThrow({ where: { id: actionId } });
    expect(row).toMatchObject({ status: "RUNNING", providerAcceptedAt: null });
    expect(row.providerCalledAt).not.toBeNull();
  }

  it.each(["timeout", "crash"] as const)("reinstall, answer lost by %s while the server rebuilds: the retry sees it running and does not reinstall again; the server's password is the sealed one", async (how) => {
    const vps = await activeInstance(base(), "LINODE");
    const id = vps.providerInstanceId!;
    await settledRunning("LINODE", id);
    clouds.linode.setBootDelay(600_000, 20); // the rebuild outlasts this test
    try {
      const req = await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "reinstall" });
      if (!req.ok) throw new Error("refused");
      await firstAttemptLost(how, req.actionId);
      const password = await sealedOnRow(req.actionId);
      expect(fakeServer("LINODE", id).rootPassword).toBe(password); // the cloud got the sealed password
      expect(rebuilds(id)).toBe(1);

      // The retry: the server is rebuilding, so the call ran; nothing is sent again.
      const retry = await runAction({ prisma, providers, encryptionKey, sleep: realSleep, pollMs: 20, deadlineMs: 300 }, req.actionId);
      expect(retry).toMatchObject({ ok: false, retryable: false, passwordChanged: true }); // the 10-minute rebuild outlasts the wait
      expect(rebuilds(id)).toBe(1);
      const after = await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } });
      expect(await openPassword(after.rootPasswordEnc)).toBe(password);
      expect(fakeServer("LINODE", id).rootPassword).toBe(password);
      // A job retried once more after that does not call either.
      expect(await run(req.actionId)).toMatchObject({ ok: false, retryable: false });
      expect(rebuilds(id)).toBe(1);
    } finally {
      clouds.linode.setBootDelay(40, 20);
    }
  });

  it("reinstall, answer lost and the rebuild already over: the retry reinstalls with the SAME sealed password; a re-run after DONE still reports the new password", async () => {
    const vps = await activeInstance(base(), "LINODE");
    const id = vps.providerInstanceId!;
    await settledRunning("LINODE", id);
    const req = await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "reinstall" });
    if (!req.ok) throw new Error("refused");
    await firstAttemptLost("timeout", req.actionId);
    const password = await sealedOnRow(req.actionId);
    await settledRunning("LINODE", id); // the first rebuild finished before the retry looked
    expect(await run(req.actionId)).toEqual({ ok: true, instanceId: vps.id, action: "reinstall", newPassword: true });
    expect(rebuilds(id)).toBe(2);
    expect(fakeServer("LINODE", id).rootPassword).toBe(password);
    const after = await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } });
    expect(await openPassword(after.rootPasswordEnc)).toBe(password);
    expect(await openPassword(vps.rootPasswordEnc)).not.toBe(password);
    const row = await prisma.instanceAction.findUniqueOrThrow({ where: { id: req.actionId } });
    expect(row).toMatchObject({ status: "DONE", newPasswordEnc: null }); // one sealed copy: the instance's
    // Redelivered after DONE (say the notification was never queued): the customer still gets the password.
    expect(await run(req.actionId)).toMatchObject({ ok: true, newPassword: true });
    expect(rebuilds(id)).toBe(2);
  });

  it("Linode password reset whose worker dies after the call: the retry resends the sealed password, so the server and the instance agree", async () => {
    const vps = await activeInstance(base(), "LINODE");
    const id = vps.providerInstanceId!;
    await settledRunning("LINODE", id);
    const off = await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "power_off" });
    if (!off.ok) throw new Error("power_off refused");
    expect(await run(off.actionId)).toMatchObject({ ok: true });
    const req = await requestAction(prisma, providers, { userId: vps.userId, instanceId: vps.id, action: "reset_password", liveStatus: "off" });
    if (!req.ok) throw new Error("refused");
    await expect(runAction({ prisma, providers: dyingAfterCall(), encryptionKey, sleep: realSleep, pollMs: 20, deadlineMs: 5_000 }, req.actionId)).rejects.toThrow(/worker killed/);
    const password = await sealedOnRow(req.actionId);
    expect(fakeServer("LINODE", id).rootPassword).toBe(password);
    expect(await run(req.actionId)).toEqual({ ok: true, instanceId: vps.id, action: "reset_password", newPassword: true });
    expect(fakeServer("LINODE", id).rootPassword).toBe(password);
    expect(await openPassword((await prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).rootPasswordEnc)).toBe(password);
  });
});

/**
 * Broadcasts in the real worker role (in-process service, fake Telegram with flood control):
 * a confirmed broadcast is delivered by the queue's run; Redis wiped mid-broadcast loses nothing
 * and doubles nothing (the recovery sweep queues the run again from Postgres); a schedule that
 * came due while its delayed job was lost starts from Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { broadcastEnqueuer } from "../../jobs/broadcast-runs.js";
import { recoverJobs } from "../../jobs/recovery.js";
import { confirmBroadcast, createDraft, getBroadcast, updateDraft, type BroadcastStaff } from "../../shop/broadcasts/index.js";
import { startService } from "../../ops/runtime.js";
import { createLogger } from "../../shop/platform/logger.js";
import { deleteKeys } from "../support/redis.js";
import { startTestService, type TestService } from "../support/service.js";

let t: TestService;
let staff: BroadcastStaff;
const STAFF_TG = 7_420_000;
let nextTelegramId = 7_420_001;
const logger = createLogger({ role: "test", level: "silent" });

beforeAll(async () => {
  t = await startTestService({ roles: ["worker"], env: { BROADCAST_RATE_PER_SECOND: "60", BROADCAST_PROGRESS_EVERY_MS: "500" } });
  t.fake.setRateLimit({ globalPerSecond: 62, perChatPerSecond: 1 });
  t.fake.user(STAFF_TG, { firstName: "Staf" });
  const s = await t.service.prisma.user.create({ data: { telegramId: BigInt(STAFF_TG), role: "SELLER", firstName: "Staf" } });
  staff = { userId: s.id, role: "SELLER" };
});
afterAll(async () => {
  await t?.stop();
});

async function customers(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const tg = nextTelegramId++;
    t.fake.user(tg, { firstName: "Pelanggan" });
    ids.push(tg);
  }
  await t.service.prisma.user.createMany({ data: ids.map((tg) => ({ telegramId: BigInt(tg), firstName: "Pelanggan" })) });
  return ids;
}

const deps = () => ({ prisma: t.service.prisma, enqueueRun: broadcastEnqueuer(t.service.queues) });

async function draft(text: string, scheduledAt?: Date): Promise<number> {
  const { id } = await createDraft(t.service.prisma, staff, { kind: "SERVICE", content: { text, entities: [{ type: "italic", offset: 0, length: 5 }], buttons: [] } });
  await updateDraft(t.service.prisma, staff, id, { audience: { kind: "ALL" }, ...(scheduledAt ? { scheduledAt } : {}) });
  return id;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const received = (tg: number, text: string) => t.fake.botMessages(tg).filter((m) => !m.deleted && (m.text ?? "").startsWith(text)).length;

describe("broadcasts in the worker role", () => {
  it("a confirmed broadcast is delivered once to everyone, and a Redis wipe mid-way loses and doubles nothing", async () => {
    const recipients = await customers(150);
    const id = await draft("Pesan pemeliharaan A");
    expect(await confirmBroadcast(deps(), staff, id, { chatId: STAFF_TG, messageId: 1 })).toMatchObject({ ok: true, status: "SENDING", recipients: 150 });
    await until("some sent", async () => ((await getBroadcast(t.service.prisma, id))!.counts.sent >= 20 ? true : null));
    await deleteKeys(t.config.queuePrefix); // Redis loses the run's job (and the pace)
    const report = await recoverJobs({ prisma: t.service.prisma, queues: t.service.queues, processors: {}, logger, graceMs: 0 });
    expect(report.broadcasts).toEqual([`broadcast-${id}-1`]);
    const done = await until("done", async () => {
      const v = await getBroadcast(t.service.prisma, id);
      return v?.status === "DONE" ? v : null;
    });
    expect(done.counts.sent + done.counts.uncertain).toBe(150);
    for (const tg of recipients) expect(received(tg, "Pesan pemeliharaan A")).toBeLessThanOrEqual(1);
    const rows = await t.service.prisma.broadcastDelivery.findMany({ where: { broadcastId: id } });
    for (const r of rows) {
      if (r.status === "SENT") expect(received(Number(r.chatId), "Pesan pemeliharaan A")).toBe(1);
    }
  });

  it("a schedule that came due while its delayed job was lost starts from Postgres", async () => {
    const recipients = await customers(5);
    const at = new Date(Date.now() + 60 * 60_000);
    const id = await draft("Pesan terjadwal B", at);
    expect(await confirmBroadcast(deps(), staff, id, { chatId: STAFF_TG, messageId: 1 })).toMatchObject({ ok: true, status: "SCHEDULED" });
    await deleteKeys(t.config.queuePrefix);
    // Not due yet: the sweep leaves it.
    expect((await recoverJobs({ prisma: t.service.prisma, queues: t.service.queues, processors: {}, logger, graceMs: 0 })).broadcasts).toEqual([]);
    await t.service.prisma.broadcast.update({ where: { id }, data: { scheduledAt: new Date(Date.now() - 1000) } });
    expect((await recoverJobs({ prisma: t.service.prisma, queues: t.service.queues, processors: {}, logger, graceMs: 0 })).broadcasts).toEqual([`broadcast-${id}-1`]);
    await until("done", async () => ((await getBroadcast(t.service.prisma, id))?.status === "DONE" ? true : null));
    // Everyone known to the shop at start time got it once (the audience is read when it starts).
    for (const tg of recipients) expect(received(tg, "Pesan terjadwal B")).toBe(1);
  });

  it("a graceful shutdown mid-broadcast hands the run back: nothing uncertain, the next worker finishes it, nobody twice", async () => {
    const recipients = await customers(150);
    const id = await draft("Pesan restart C");
    expect(await confirmBroadcast(deps(), staff, id, { chatId: STAFF_TG, messageId: 1 })).toMatchObject({ ok: true, status: "SENDING" });
    await until("some sent", async () => ((await getBroadcast(t.service.prisma, id))!.counts.sent >= 20 ? true : null));
    await t.service.stop(); // SIGTERM's path
    const mid = (await getBroadcast(t.db.prisma, id))!;
    expect(mid.status).toBe("SENDING");
    expect(mid.counts).toMatchObject({ uncertain: 0, sending: 0 });
    expect(mid.counts.pending).toBeGreaterThan(0);
    const next = await startService(t.config, ["worker"], logger);
    try {
      await until("done", async () => ((await getBroadcast(next.prisma, id))?.status === "DONE" ? true : null));
      const done = (await getBroadcast(next.prisma, id))!;
      // Everyone in the audience (this test's customers and the earlier tests'), each once.
      expect(done.counts).toMatchObject({ sent: done.counts.total, uncertain: 0, failed: 0 });
      for (const tg of recipients) expect(received(tg, "Pesan restart C")).toBe(1);
    } finally {
      await next.stop();
    }
  });
});

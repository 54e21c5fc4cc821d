import { tmpdir } from "node:os";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullQueueInspector } from "../../jobs/processors/alert-checks.processor.js";
import { QueueName, Queues } from "../../jobs/queues.js";
import { createRedis } from "../../jobs/redis.js";
import { createLogger } from "../../shop/platform/logger.js";
import { watchdogChecks } from "../../ops/watchdog.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { paymentsCheck } from "../../shop/alerts/checks/payments.check.js";
import { provisioningCheck } from "../../shop/alerts/checks/provisioning.check.js";
import { queueAgeCheck } from "../../shop/alerts/checks/queue-age.check.js";
import { resourcesCheck, statfsNearest } from "../../shop/alerts/checks/resources.check.js";
import { rolesCheck } from "../../shop/alerts/checks/roles.check.js";
import { secretsCheck } from "../../shop/alerts/checks/secrets.check.js";
import { signaturesCheck, tallyBadSignatures } from "../../shop/alerts/checks/signatures.check.js";
import { uncaughtErrorsCheck } from "../../shop/alerts/checks/uncaught-errors.check.js";
import { ALERT_CHECKS } from "../../shop/alerts/checks.js";
import { runAlertChecks } from "../../shop/alerts/runner.js";
import { muteAlert } from "../../shop/alerts/store.js";
import type { AlertCheck, AlertCheckContext, QueueInspector } from "../../shop/alerts/types.js";
import { loadConfig, type Config } from "../../shop/platform/config.js";
import { errorFingerprint, recordProcessError } from "../../shop/platform/heartbeat.js";
import { newOrderReference } from "../../shop/orders/reference.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { failedVpsOrder, userRow } from "../support/factories.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { OWNER_ID, testEnv } from "../support/service.js";

let db: TestDatabase;
let config: Config;
let fake: FakeTelegram;
const prefix = uniquePrefix("alertchecks");
const redis = createRedis(TEST_REDIS_URL, "general");

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram();
  config = loadConfig(testEnv(db, prefix, 3000, fake.url, { DATA_DIR: "/tmp" }));
});

afterAll(async () => {
  redis.disconnect();
  await deleteKeys(prefix);
  await fake?.stop();
  await db?.drop();
});

const withAlerts = (over: Partial<Config["alerts"]>): Config => ({ ...config, alerts: { ...config.alerts, ...over } });

/** The decisions (messages) taken for a fingerprint, by event. */
async function noticesOf(fingerprint: string) {
  const rows = await db.prisma.ownerAlertNotice.findMany({ where: { alert: { fingerprint } }, select: { event: true } });
  return rows.map((r) => r.event);
}

/**
 * The life of one alert kind through the runner, with the real check against real Postgres and
 * Redis: raised once, de-duplicated on the next pass, quiet while muted (even when a reminder is
 * due), resolved once when the condition clears.
 */
async function lifecycle(
  check: AlertCheck,
  expected: RegExp,
  set: () => Promise<unknown>,
  clear: () => Promise<unknown>,
  ctx: () => Partial<AlertCheckContext> = () => ({}),
) {
  const run = async () => {
    const [report] = await runAlertChecks({ prisma: db.prisma, redis, config, now: new Date(), ...ctx() }, [check], (source) => ({ prisma: db.prisma, settings: { maxPerHour: 10_000 }, ...(source ? { source } : {}) }));
    expect(report?.error).toBeUndefined();
    return report!;
  };
  await set();
  const first = await run();
  const fingerprints = first.raised.filter((f) => expected.test(f));
  expect(fingerprints, `raised: ${first.raised.join(", ")}`).toHaveLength(1);
  const fp = fingerprints[0]!;
  expect(await noticesOf(fp)).toEqual(["raised"]);

  expect((await run()).raised).toEqual([]);
  expect(await noticesOf(fp)).toEqual(["raised"]);

  const alert = await db.prisma.ownerAlert.findUniqueOrThrow({ where: { fingerprint: fp } });
  await muteAlert(db.prisma, alert.id, 60, OWNER_ID);
  await db.prisma.$executeRaw`UPDATE owner_alerts SET last_notified_at = now() - interval '2 hours' WHERE id = ${alert.id}`;
  await run();
  expect(await noticesOf(fp)).toEqual(["raised"]);
  await db.prisma.ownerAlert.update({ where: { id: alert.id }, data: { mutedUntil: null } });

  await clear();
  const cleared = await run();
  expect(cleared.resolved).toContain(fp);
  await run();
  expect(await noticesOf(fp)).toEqual(["raised", "resolved"]);
  return alert;
}

async function heartbeat(roles: string[], opts: { beatAgoS?: number; startedAgoS?: number; stopped?: boolean; rssMb?: number; host?: string } = {}) {
  const id = `hb-${Math.random().toString(36).slice(2)}`;
  await db.prisma.$executeRaw`
    INSERT INTO heartbeats (instance_id, roles, pid, host, started_at, beat_at, rss_bytes, stopped_at)
    VALUES (${id}, ${roles}::text[], 4242, ${opts.host ?? "test"}, now() - ${opts.startedAgoS ?? 3600} * interval '1 second', now() - ${opts.beatAgoS ?? 0} * interval '1 second',
      ${BigInt((opts.rssMb ?? 120) * 1048576)}, ${opts.stopped ? new Date() : null})`;
  return id;
}

describe("each alert kind: raised once, de-duplicated, muted, resolved", () => {
  it("role down: no heartbeat for 90 s from a process that did not stop cleanly; a stopped one is no alert", async () => {
    await heartbeat(["scheduler"], { beatAgoS: 300, stopped: true });
    expect(await rolesCheck.evaluate({ prisma: db.prisma, redis, config, now: new Date() })).toEqual([]);
    const alert = await lifecycle(
      rolesCheck,
      /^role-down:bot$/,
      () => heartbeat(["bot"], { beatAgoS: 200 }),
      () => heartbeat(["bot"]),
    );
    expect(alert.title).toMatch(/^Peran "bot" mati/);
    expect(alert.nextStep).toContain("systemctl restart vps-shop@bot");
  });

  it("crash loop: a role started 4 times (3 restarts) within 10 minutes", async () => {
    const ids: string[] = [];
    await lifecycle(
      rolesCheck,
      /^crash-loop:worker@test$/,
      async () => {
        for (const s of [500, 300, 120, 30]) ids.push(await heartbeat(["worker"], { startedAgoS: s, beatAgoS: s > 30 ? s - 5 : 0, stopped: s > 30 }));
      },
      () => db.prisma.$executeRaw`UPDATE heartbeats SET started_at = started_at - interval '1 hour' WHERE instance_id = ANY(${ids}::text[])`,
    );
  });

  it("several hosts: starting a role on four hosts is no crash loop; a role that died on one host while another runs it is a warning", async () => {
    const ids: string[] = [];
    for (const host of ["vps-a", "vps-b", "vps-c", "vps-d"]) ids.push(await heartbeat(["web"], { host, startedAgoS: 60 }));
    expect((await rolesCheck.evaluate({ prisma: db.prisma, redis, config, now: new Date() })).map((c) => c.fingerprint)).toEqual([]);
    const alert = await lifecycle(
      rolesCheck,
      /^role-lost:web@vps-b$/,
      () => db.prisma.$executeRaw`UPDATE heartbeats SET beat_at = now() - interval '5 minutes' WHERE instance_id = ${ids[1]!}`,
      // Restarted there (a fresh process on vps-b carries the role again).
      () => heartbeat(["web"], { host: "vps-b", startedAgoS: 1 }),
    );
    expect(alert).toMatchObject({ severity: "warning" });
    expect(alert.title).toContain("vps-b");
    // Stopped on purpose (a host taken out of the pool): no alert.
    await db.prisma.$executeRaw`UPDATE heartbeats SET beat_at = now() - interval '5 minutes', stopped_at = now() WHERE instance_id = ${ids[2]!}`;
    expect((await rolesCheck.evaluate({ prisma: db.prisma, redis, config, now: new Date() })).map((c) => c.fingerprint)).toEqual([]);
    await db.prisma.$executeRaw`DELETE FROM heartbeats WHERE instance_id = ANY(${ids}::text[]) OR host = 'vps-b'`;
  });

  it("uncaught errors: grouped by class and top frame across roles", async () => {
    const boom = () => new TypeError("Cannot read properties of undefined (reading 'id')");
    const [a, b] = [boom(), boom()];
    expect(errorFingerprint(a).fingerprint).toBe(errorFingerprint(b).fingerprint);
    expect(errorFingerprint(new RangeError("x")).fingerprint).not.toBe(errorFingerprint(a).fingerprint);
    const alert = await lifecycle(
      uncaughtErrorsCheck,
      /^uncaught:/,
      async () => {
        await recordProcessError(db.prisma, a, ["worker"]);
        await recordProcessError(db.prisma, b, ["bot"]);
      },
      () => db.prisma.$executeRaw`UPDATE process_errors SET last_seen_at = now() - interval '20 minutes'`,
    );
    expect(alert.title).toMatch(/^Error tak tertangkap di (worker\+bot|bot\+worker): TypeError: Cannot read/);
    expect(alert.detail).toMatch(/^2× sejak/);
  });

  it("a streak of failed payments at one gateway; a paid one ends it", async () => {
    const user = await userRow(db.prisma, 7_100_001);
    const payment = async (status: "FAILED" | "PAID") => {
      const order = await db.prisma.order.create({ data: { reference: newOrderReference(), userId: user.id, kind: "WALLET_TOPUP", status: status === "PAID" ? "PAID" : "PENDING_PAYMENT", basePriceIdr: 50_000, totalIdr: 50_000, snapshot: {} } });
      await db.prisma.payment.create({ data: { orderId: order.id, gateway: "TRIPAY", attemptRef: `TP-${order.reference}`, amountIdr: 50_000, totalIdr: 50_000, status, ...(status === "PAID" ? { paidAt: new Date() } : {}) } });
    };
    const alert = await lifecycle(
      paymentsCheck,
      /^payments:failed-streak:TRIPAY$/,
      async () => {
        for (let i = 0; i < 3; i++) await payment("FAILED");
      },
      () => payment("PAID"),
    );
    expect(alert.title).toBe("TRIPAY: 3 pembayaran terakhir gagal berturut-turut");
  });

  it("a spike of callbacks refused for a bad signature", async () => {
    await tallyBadSignatures(redis, config.queuePrefix, { midtrans: 3 });
    expect(await signaturesCheck.evaluate({ prisma: db.prisma, redis, config, now: new Date() })).toEqual([]);
    await lifecycle(
      signaturesCheck,
      /^signatures:spike:tripay$/,
      () => tallyBadSignatures(redis, config.queuePrefix, { tripay: 12 }),
      () => deleteKeys(`${config.queuePrefix}:alerts:bad-signature:tripay`),
    );
  });

  it("provisioning failures above the rate, per cloud", async () => {
    const user = await userRow(db.prisma, 7_100_002);
    const ids: number[] = [];
    const alert = await lifecycle(
      provisioningCheck,
      /^provisioning:failures:DIGITALOCEAN$/,
      async () => {
        for (let i = 0; i < 3; i++) {
          const order = await failedVpsOrder(db.prisma, user.id);
          ids.push((await db.prisma.provisioningTask.create({ data: { orderId: order.id, status: "FAILED", lastError: "quota" } })).id);
        }
      },
      () => db.prisma.$executeRaw`UPDATE provisioning_tasks SET updated_at = now() - interval '2 hours' WHERE id = ANY(${ids}::int[])`,
    );
    expect(alert.title).toBe("DIGITALOCEAN: 3 dari 3 pembuatan VPS gagal dalam 1 jam terakhir");
  });

  it("the oldest waiting job per queue: from job_outbox (Redis wiped) and from BullMQ", async () => {
    await lifecycle(
      queueAgeCheck,
      /^queue-age:notifications$/,
      () => db.prisma.$executeRaw`INSERT INTO job_outbox (queue, job_id, payload, run_at, created_at) VALUES ('notifications', 'stuck-1', '{}'::jsonb, now() - interval '30 minutes', now() - interval '30 minutes')`,
      () => db.prisma.$executeRaw`UPDATE job_outbox SET status = 'DONE' WHERE job_id = 'stuck-1'`,
    );
    let oldestAt: Date | undefined = new Date(Date.now() - 20 * 60_000);
    const inspector: QueueInspector = { oldestWaiting: async () => [{ queue: "provisioning", waiting: 4, ...(oldestAt ? { oldestAt } : {}) }] };
    await lifecycle(
      queueAgeCheck,
      /^queue-age:provisioning$/,
      async () => undefined,
      async () => (oldestAt = undefined),
      () => ({ queues: inspector }),
    );
  });

  it("BullMQ's side: the oldest waiting job, and a delayed one past due that no worker promoted", async () => {
    const queues = new Queues(redis, `${prefix}-bull`, createLogger({ role: "test", level: "silent" }));
    try {
      const before = Date.now();
      await queues.enqueue(QueueName.Lifecycle, { task: "order-expiry", tick: "2026-12-03T08:00" }, { jobId: "waiting-1" });
      await queues.enqueue(QueueName.ScreenshotPurge, { tick: "2026-12-03T08:00" }, { jobId: "delayed-1", delay: 1 });
      await queues.enqueue(QueueName.Lifecycle, { task: "orphan-sweep", tick: "2026-12-03T08:00" }, { jobId: "later-1", delay: 3_600_000 });
      const seen = new Map((await bullQueueInspector(queues, redis).oldestWaiting()).map((q) => [q.queue, q]));
      expect(seen.get(QueueName.Lifecycle)?.oldestAt?.getTime()).toBeGreaterThanOrEqual(before - 1_000);
      expect(seen.get(QueueName.ScreenshotPurge)?.oldestAt?.getTime()).toBeGreaterThanOrEqual(before - 1_000);
      // The waiting one counts; the job due in an hour is not late.
      expect(seen.get(QueueName.Lifecycle)).toMatchObject({ waiting: 2 });
      expect(seen.get(QueueName.Lifecycle)!.oldestAt!.getTime()).toBeLessThanOrEqual(Date.now());
      expect(seen.get(QueueName.Provisioning)?.oldestAt).toBeUndefined();
    } finally {
      await queues.close();
      await deleteKeys(`${prefix}-bull`);
    }
  });

  it("disk, memory, process RSS and database size thresholds", async () => {
    let cfg = withAlerts({ diskFreePct: 99 });
    await lifecycle(resourcesCheck, /^resources:disk$/, async () => undefined, async () => (cfg = config), () => ({ config: cfg }));
    cfg = withAlerts({ memoryFreePct: 99 });
    await lifecycle(resourcesCheck, /^resources:memory$/, async () => undefined, async () => (cfg = config), () => ({ config: cfg }));
    cfg = withAlerts({ dbSizeMb: 1 });
    await lifecycle(resourcesCheck, /^resources:database-size$/, async () => undefined, async () => (cfg = config), () => ({ config: cfg }));
    let big = "";
    await lifecycle(
      resourcesCheck,
      /^resources:rss:web$/,
      async () => (big = await heartbeat(["web"], { rssMb: 512 })),
      () => db.prisma.$executeRaw`UPDATE heartbeats SET rss_bytes = 100 * 1048576 WHERE instance_id = ${big}`,
    );
  });

  it("a DATA_DIR not created yet (a fresh install) is measured on its nearest existing parent, not a failed check", async () => {
    const missing = `${tmpdir()}/vps-shop-no-such-dir-${process.pid}/data`;
    const fs = await statfsNearest(missing);
    expect(fs.blocks).toBeGreaterThan(0);
    expect(fs.blocks).toBe((await statfsNearest(tmpdir())).blocks);
  });

  it("credential rotation reminder at 90 days, with the runbook's steps; resolved when the date moves", async () => {
    let cfg = withAlerts({ secretsRotatedAt: { TRIPAY_PRIVATE_KEY: "2020-01-01", TELEGRAM_BOT_TOKEN: new Date().toISOString().slice(0, 10) } });
    const alert = await lifecycle(
      secretsCheck,
      /^secret-rotation:TRIPAY_PRIVATE_KEY$/,
      async () => undefined,
      async () => (cfg = withAlerts({ secretsRotatedAt: { TRIPAY_PRIVATE_KEY: new Date().toISOString().slice(0, 10) } })),
      () => ({ config: cfg }),
    );
    expect(alert.nextStep).toContain('ops/RUNBOOK.md bagian "Credential rotation"');
    expect(() => loadConfig({ ...testEnv(db, prefix, 3000, fake.url), SECRETS_ROTATED_AT: "TRIPAY=soon" })).toThrow(/SECRETS_ROTATED_AT/);
    expect(loadConfig({ ...testEnv(db, prefix, 3000, fake.url), SECRETS_ROTATED_AT: "TRIPAY_PRIVATE_KEY=2026-09-01, TELEGRAM_BOT_TOKEN=2026-10-01" }).alerts.secretsRotatedAt).toEqual({
      TRIPAY_PRIVATE_KEY: "2026-09-01",
      TELEGRAM_BOT_TOKEN: "2026-10-01",
    });
  });

  it("watchdog: the bot's getMe and the web role's readiness, probed from another process", async () => {
    let api = new Api("1:dead-bot-token-aaaaaaaaaaaaaaaaaaaaa", { apiRoot: "http://127.0.0.1:9" });
    const telegramCheck = () => watchdogChecks({ config, api, prisma: db.prisma })[1]!;
    const getMe = { kind: "watchdog-telegram", evaluate: (ctx: AlertCheckContext) => telegramCheck().evaluate(ctx) };
    await lifecycle(getMe, /^watchdog:telegram-getme$/, async () => undefined, async () => (api = new Api(fake.token, { apiRoot: fake.url })));

    let status = 503;
    const server = http.createServer((_req, res) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ redis: "down" })));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const cfg = { ...config, http: { ...config.http, port: (server.address() as AddressInfo).port, metricsToken: "t".repeat(24) } };
    const readiness = watchdogChecks({ config: cfg, api, prisma: db.prisma })[0]!;
    await db.prisma.$executeRaw`DELETE FROM heartbeats`;
    // No web role alive: nothing to probe (a dead web role is the role-down alert).
    expect(await readiness.evaluate({ prisma: db.prisma, redis, config: cfg, now: new Date() })).toEqual([]);
    await heartbeat(["web"]);
    const alert = await lifecycle(readiness, /^watchdog:readiness$/, async () => undefined, async () => (status = 200));
    expect(alert.detail).toContain('HTTP 503: {"redis":"down"}');
    server.close();
  });

  it("the registry lists every check once, and a backup or gateway check is one more line", () => {
    const kinds = ALERT_CHECKS.map((c) => c.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(kinds).toEqual(expect.arrayContaining(["roles", "uncaught-errors", "payments", "signatures", "provisioning", "queue-age", "resources", "secrets"]));
  });
});

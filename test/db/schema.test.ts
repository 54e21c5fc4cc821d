import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPrisma,
  DiscountKind,
  OrderKind,
  PaymentGateway,
  Prisma,
  ProviderCode,
  isUniqueViolation,
  type PrismaClient,
} from "../../db/client.js";
import { DEMO_COUNTS, DEMO_PROMO, resellerPrice, seedDemoCatalog } from "../../db/seed.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { TEST_DATABASE_ADMIN_URL, databaseUrl, quoteIdent } from "../support/db-context.js";
import { listMigrations } from "../support/global-setup.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
});

afterAll(async () => {
  await db?.drop();
});

/** Every model's table, read from db/schema.prisma (`@@map` of each model), so a new model is expected without editing this list. */
const EXPECTED_TABLES = readFileSync(new URL("../../db/schema.prisma", import.meta.url), "utf8")
  .split(/^model /m)
  .slice(1)
  .map((block) => /@@map\("([a-z_]+)"\)/.exec(block.slice(0, block.indexOf("\n}\n")))![1]!)
  .sort();

/** Columns, constraints, indexes and triggers of the public schema, as comparable text. */
async function schemaSignature(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const queries = [
      `SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS s
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
      `SELECT 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS s
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 0
           AND conrelid <> '"_prisma_migrations"'::regclass`,
      `SELECT 'idx ' || indexdef AS s FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
      `SELECT 'trg ' || tgrelid::regclass || ' ' || tgname || ' ' || pg_get_triggerdef(oid) AS s FROM pg_trigger WHERE NOT tgisinternal`,
      `SELECT 'typ ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS s
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    ];
    const out: string[] = [];
    for (const q of queries) out.push(...(await client.query<{ s: string }>(q)).rows.map((r) => r.s));
    return out.sort();
  } finally {
    await client.end();
  }
}

function runPrismaCli(args: string[], url: string): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(root, "db", "prisma-cli.mjs"), ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

async function makeUser(telegramId: bigint) {
  return prisma.user.create({ data: { telegramId, firstName: "Budi", username: `budi${telegramId}` } });
}

let orderSeq = 0;
async function makeOrder(userId: number, overrides: Partial<Prisma.OrderUncheckedCreateInput> = {}) {
  orderSeq += 1;
  return prisma.order.create({
    data: {
      reference: `ORD-TEST-${orderSeq}-${randomBytes(2).toString("hex")}`,
      userId,
      kind: OrderKind.NEW_VPS,
      planCode: "do-s-1vcpu-1gb-sgp1",
      planName: "DO Basic 1 GB",
      providerCode: ProviderCode.DIGITALOCEAN,
      providerSizeSlug: "s-1vcpu-1gb",
      region: "sgp1",
      imageCode: "ubuntu-22.04",
      imageName: "Ubuntu 22.04 LTS",
      providerImageRef: "ubuntu-22-04-x64",
      durationMonths: 1,
      basePriceIdr: 75_000,
      promoDiscountIdr: 15_000,
      couponDiscountIdr: 0,
      totalIdr: 60_000,
      snapshot: { planCode: "do-s-1vcpu-1gb-sgp1", prices: { 1: 75_000 } },
      paymentDeadline: new Date(Date.now() + 60 * 60 * 1000),
      ...overrides,
    },
  });
}

/**
 * Runs `fn`, expecting the database to reject it; returns the error's own text: the last line
 * of the message (Prisma prefixes a source excerpt, which could match by accident) + meta.
 */
async function rejection(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (error) {
    const lines = String((error as Error).message ?? error).trim().split("\n");
    return `${lines[lines.length - 1]} ${JSON.stringify((error as { meta?: unknown }).meta ?? {})}`;
  }
  throw new Error("expected the database to reject the operation");
}

describe("migrations", () => {
  it("are all applied to the cloned test database", async () => {
    const applied = await prisma.$queryRaw<{ migration_name: string; checksum: string; finished: boolean }[]>`
      SELECT migration_name, checksum, finished_at IS NOT NULL AS finished FROM "_prisma_migrations" ORDER BY migration_name`;
    const committed = listMigrations();
    expect(committed.length).toBeGreaterThan(0);
    expect(applied).toEqual(committed.map((m) => ({ migration_name: m.name, checksum: m.checksum, finished: true })));

    const tables = await prisma.$queryRaw<{ table_name: string }[]>`
      SELECT table_name::text AS table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
      ORDER BY table_name`;
    expect(tables.map((t) => t.table_name)).toEqual(EXPECTED_TABLES);
  });

  it("deploy with the offline Prisma CLI to the same schema, and `migrate status` accepts the test DB", async () => {
    const name = `${db.name}_cli`;
    const url = databaseUrl(TEST_DATABASE_ADMIN_URL, name);
    const admin = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
      const deploy = await runPrismaCli(["migrate", "deploy"], url);
      expect(deploy.output).toContain("All migrations have been successfully applied");
      expect(deploy.code).toBe(0);
      expect(await schemaSignature(url)).toEqual(await schemaSignature(db.url));

      const status = await runPrismaCli(["migrate", "status"], db.url);
      expect(status.output).toContain("Database schema is up to date");
      expect(status.code).toBe(0);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await admin.end();
    }
  }, 60_000);
});

describe("seedDemoCatalog", () => {
  it("is idempotent and yields the demo catalog", async () => {
    const counts = async () => ({
      providers: await prisma.provider.count(),
      plans: await prisma.plan.count(),
      planPrices: await prisma.planPrice.count(),
      osImages: await prisma.osImage.count(),
      planImages: await prisma.planImage.count(),
      promos: await prisma.promo.count(),
      coupons: await prisma.coupon.count(),
      resellerTiers: await prisma.resellerTier.count(),
      resellerPrices: await prisma.resellerPrice.count(),
      bankAccounts: await prisma.bankAccount.count(),
    });

    await seedDemoCatalog(prisma);
    const first = await counts();
    await seedDemoCatalog(prisma);
    expect(await counts()).toEqual(first);
    expect(first).toEqual({
      providers: 3, plans: 9, planPrices: 27, osImages: 15, planImages: 45,
      promos: 1, coupons: 3, resellerTiers: 1, resellerPrices: 27, bankAccounts: 1,
    });
    expect(first).toEqual({ ...DEMO_COUNTS });

    const plan = await prisma.plan.findUniqueOrThrow({
      where: { code: "do-s-1vcpu-1gb-sgp1" },
      include: { provider: true, prices: { orderBy: { durationMonths: "asc" } }, promos: true, images: { include: { image: true } } },
    });
    expect(plan.provider.code).toBe(ProviderCode.DIGITALOCEAN);
    expect(plan.providerSizeSlug).toBe("s-1vcpu-1gb");
    expect(plan.prices.map((p) => [p.durationMonths, p.priceIdr])).toEqual([[1, 75_000], [3, 210_000], [12, 780_000]]);
    expect(plan.images.map((i) => i.image.providerRef)).toContain("ubuntu-22-04-x64");
    expect(plan.promos).toHaveLength(1);
    expect(plan.promos[0]).toMatchObject({ kind: DiscountKind.PERCENT, value: 20, durationMonths: DEMO_PROMO.durationMonths });
    expect(plan.promos[0]!.endsAt.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    const vultrUbuntu = await prisma.osImage.findFirstOrThrow({ where: { provider: { code: ProviderCode.VULTR }, code: "ubuntu-22.04" } });
    expect(vultrUbuntu.providerRef).toBe("1743");

    // Every price is a positive integer and longer terms are cheaper per month.
    const plans = await prisma.plan.findMany({ include: { prices: { orderBy: { durationMonths: "asc" } }, resellerPrices: true } });
    for (const p of plans) {
      const [m1, m3, m12] = p.prices.map((x) => x.priceIdr) as [number, number, number];
      expect(m3 / 3).toBeLessThan(m1);
      expect(m12 / 12).toBeLessThan(m3 / 3);
      for (const price of p.prices) {
        const rp = p.resellerPrices.find((r) => r.durationMonths === price.durationMonths);
        expect(rp?.priceIdr).toBe(resellerPrice(price.priceIdr));
        expect(rp!.priceIdr).toBeLessThan(price.priceIdr);
      }
    }

    const coupons = await prisma.coupon.findMany({ orderBy: { code: "asc" } });
    expect(coupons.map((c) => c.code)).toEqual(["BARU25K", "HEMAT10", "LAMA50"]);
    const lama = coupons.find((c) => c.code === "LAMA50")!;
    expect(lama.validTo!.getTime()).toBeLessThan(Date.now());
    expect(coupons.find((c) => c.code === "BARU25K")).toMatchObject({ kind: DiscountKind.FIXED, value: 25_000, firstOrderOnly: true });
  });

  it("keeps counters that real use changes", async () => {
    await prisma.coupon.update({ where: { code: "HEMAT10" }, data: { usedCount: 7 } });
    await seedDemoCatalog(prisma);
    expect((await prisma.coupon.findUniqueOrThrow({ where: { code: "HEMAT10" } })).usedCount).toBe(7);
  });
});

describe("wallet ledger", () => {
  it("stores a balanced transaction and derives the balance from entries", async () => {
    const user = await makeUser(7_123_456_789n);
    expect((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).telegramId).toBe(7_123_456_789n);
    await prisma.wallet.create({ data: { userId: user.id } });
    const account = `wallet:${user.id}`;

    const tx = await prisma.ledgerTransaction.create({
      data: {
        kind: "TOPUP",
        idempotencyKey: `topup:test:${user.id}`,
        memo: "Top up via QRIS",
        entries: {
          create: [
            { account, userId: user.id, amountIdr: 100_000 },
            { account: "gateway:tripay", amountIdr: -100_000 },
          ],
        },
      },
      include: { entries: true },
    });
    expect(tx.entries).toHaveLength(2);

    await prisma.$transaction(async (t) => {
      await t.$queryRaw`SELECT 1 FROM "wallets" WHERE "user_id" = ${user.id} FOR UPDATE`;
      const spend = await t.ledgerTransaction.create({ data: { kind: "ORDER_PAYMENT", idempotencyKey: `spend:test:${user.id}` } });
      await t.ledgerEntry.createMany({
        data: [
          { transactionId: spend.id, account, userId: user.id, amountIdr: -60_000 },
          { transactionId: spend.id, account: "sales", amountIdr: 60_000 },
        ],
      });
    });

    const balance = await prisma.ledgerEntry.aggregate({ where: { account }, _sum: { amountIdr: true } });
    expect(balance._sum.amountIdr).toBe(40_000);

    // Replaying the same idempotency key is refused.
    const replay = prisma.ledgerTransaction.create({
      data: { kind: "TOPUP", idempotencyKey: `topup:test:${user.id}`, entries: { create: [{ account, amountIdr: 1 }, { account: "x", amountIdr: -1 }] } },
    });
    await expect(replay).rejects.toSatisfy((e) => isUniqueViolation(e, ["idempotencyKey"]) && isUniqueViolation(e, ["idempotency_key"]));
  });

  it("rejects unbalanced or single-entry transactions at commit, and edits of entries", async () => {
    const user = await makeUser(7_000_000_001n);
    const account = `wallet:${user.id}`;
    // Interactive transaction: the trigger's message reaches the caller.
    const unbalanced = await rejection(() =>
      prisma.$transaction(async (t) => {
        const lt = await t.ledgerTransaction.create({ data: { kind: "ADJUSTMENT", idempotencyKey: `bad:${user.id}:1` } });
        await t.ledgerEntry.createMany({
          data: [
            { transactionId: lt.id, account, amountIdr: 5_000 },
            { transactionId: lt.id, account: "adjustments", amountIdr: -4_000 },
          ],
        });
      }),
    );
    expect(unbalanced).toMatch(/ledger transaction \d+ is unbalanced: 2 entries summing to 1000/);
    // Single statement (autocommit).
    const empty = await rejection(() => prisma.ledgerTransaction.create({ data: { kind: "ADJUSTMENT", idempotencyKey: `bad:${user.id}:2` } }));
    expect(empty).toMatch(/unbalanced: 0 entries/);
    // Nested write: rejected too, but Prisma 6.19 masks the COMMIT error with
    // P2028 "Transaction already closed: A rollback cannot be executed on a committed transaction".
    const nested = await rejection(() =>
      prisma.ledgerTransaction.create({
        data: {
          kind: "ADJUSTMENT",
          idempotencyKey: `bad:${user.id}:3`,
          entries: { create: [{ account, amountIdr: 5_000 }, { account: "adjustments", amountIdr: -4_000 }] },
        },
      }),
    );
    expect(nested).toMatch(/unbalanced|Transaction already closed/);
    expect(await prisma.ledgerTransaction.count({ where: { idempotencyKey: { startsWith: `bad:${user.id}` } } })).toBe(0);

    const ok = await prisma.ledgerTransaction.create({
      data: { kind: "ADJUSTMENT", idempotencyKey: `ok:${user.id}`, entries: { create: [{ account, amountIdr: 1_000 }, { account: "adjustments", amountIdr: -1_000 }] } },
      include: { entries: true },
    });
    const entryId = ok.entries[0]!.id;
    expect(await rejection(() => prisma.ledgerEntry.update({ where: { id: entryId }, data: { amountIdr: 2_000 } }))).toMatch(/append-only/);
    expect(await rejection(() => prisma.ledgerEntry.delete({ where: { id: entryId } }))).toMatch(/append-only/);
    expect(await rejection(() => prisma.ledgerEntry.create({ data: { transactionId: ok.id, account, amountIdr: 0 } }))).toMatch(
      /ledger_entries_amount_nonzero/,
    );
  });

  it("every pooled connection has a statement timeout: a statement stuck on a lock fails instead of hanging", async () => {
    const settings = await db.prisma.$queryRaw<{ statement_timeout: string; idle: string }[]>`
      SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('idle_in_transaction_session_timeout') AS idle`;
    expect(settings[0]).toEqual({ statement_timeout: "30s", idle: "10s" });

    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    const impatient = createPrisma(db.url, { max: 1, statementTimeoutMs: 300 });
    try {
      const key = `lock:${randomBytes(4).toString("hex")}`;
      await db.prisma.processedEvent.create({ data: { source: "timeout-test", key } });
      await holder.query("BEGIN");
      await holder.query("SELECT id FROM processed_events WHERE source = 'timeout-test' AND key = $1 FOR UPDATE", [key]);
      const started = Date.now();
      await expect(impatient.processedEvent.deleteMany({ where: { source: "timeout-test", key } })).rejects.toThrow(/statement timeout|canceling statement/i);
      expect(Date.now() - started).toBeLessThan(5_000);
      await holder.query("ROLLBACK");
      // The connection is usable again afterwards.
      expect(await impatient.processedEvent.deleteMany({ where: { source: "timeout-test", key } })).toEqual({ count: 1 });
    } finally {
      await holder.end();
      await impatient.$disconnect();
    }
  });

  it("a transaction that fails at COMMIT gives its pooled connection back", async () => {
    const small = createPrisma(db.url, { max: 1, connectionTimeoutMillis: 2_000 });
    try {
      for (let i = 0; i < 3; i++) {
        await expect(
          small.ledgerTransaction.create({
            data: { kind: "ADJUSTMENT", idempotencyKey: `leak:${i}`, entries: { create: [{ account: "a", amountIdr: 1 }, { account: "b", amountIdr: 1 }] } },
          }),
        ).rejects.toThrow();
        const interactive = await rejection(() =>
          small.$transaction(async (t) => {
            const lt = await t.ledgerTransaction.create({ data: { kind: "ADJUSTMENT", idempotencyKey: `leak:itx:${i}` } });
            await t.ledgerEntry.create({ data: { transactionId: lt.id, account: "a", amountIdr: 5 } });
          }),
        );
        expect(interactive).toMatch(/unbalanced/);
      }
      // With a pool of one, this times out if any failed COMMIT above leaked its connection.
      expect(await small.ledgerTransaction.count({ where: { idempotencyKey: { startsWith: "leak:" } } })).toBe(0);
    } finally {
      await small.$disconnect();
    }
  });
});

describe("unique constraints", () => {
  beforeAll(() => seedDemoCatalog(prisma)); // idempotent; these tests use the demo catalog

  it("ProcessedEvent (source, key) de-duplicates", async () => {
    await prisma.processedEvent.create({ data: { source: "tripay", key: "T000123:PAID" } });
    const dup = prisma.processedEvent.create({ data: { source: "tripay", key: "T000123:PAID" } });
    await expect(dup).rejects.toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    await expect(prisma.processedEvent.create({ data: { source: "tripay", key: "T000123:PAID" } })).rejects.toSatisfy((e) =>
      isUniqueViolation(e, ["source", "key"]),
    );
    // Same key from another source is a different event.
    await prisma.processedEvent.create({ data: { source: "telegram", key: "T000123:PAID" } });
    // The idiomatic "first time?" check: createMany skipDuplicates reports 0 rows on replays.
    const again = await prisma.processedEvent.createMany({ data: [{ source: "telegram", key: "T000123:PAID" }], skipDuplicates: true });
    expect(again.count).toBe(0);
  });

  it("Payment (gateway, gatewayReference) and attemptRef are unique; null references are not", async () => {
    const user = await makeUser(7_000_000_002n);
    const order = await makeOrder(user.id);
    const base = { orderId: order.id, amountIdr: 60_000, totalIdr: 61_500, feeIdr: 1_500 };
    await prisma.payment.create({ data: { ...base, gateway: PaymentGateway.TRIPAY, gatewayReference: "T0001ABC", attemptRef: `${order.reference}-1` } });
    const dup = prisma.payment.create({ data: { ...base, gateway: PaymentGateway.TRIPAY, gatewayReference: "T0001ABC", attemptRef: `${order.reference}-2` } });
    await expect(dup).rejects.toSatisfy((e) => isUniqueViolation(e, ["gateway", "gateway_reference"]));
    // Same reference at another gateway is fine; attempts without a reference yet are fine.
    await prisma.payment.create({ data: { ...base, gateway: PaymentGateway.MIDTRANS, gatewayReference: "T0001ABC", attemptRef: `${order.reference}-3` } });
    await prisma.payment.create({ data: { ...base, gateway: PaymentGateway.MIDTRANS, attemptRef: `${order.reference}-4` } });
    await prisma.payment.create({ data: { ...base, gateway: PaymentGateway.MIDTRANS, attemptRef: `${order.reference}-5` } });
    const dupAttempt = prisma.payment.create({ data: { ...base, gateway: PaymentGateway.MIDTRANS, attemptRef: `${order.reference}-5` } });
    await expect(dupAttempt).rejects.toSatisfy((e) => isUniqueViolation(e, ["attempt_ref"]));
  });

  it("open manual transfers never share an expected amount", async () => {
    const user = await makeUser(7_000_000_003n);
    const o1 = await makeOrder(user.id);
    const o2 = await makeOrder(user.id);
    const manual = { gateway: PaymentGateway.MANUAL_TRANSFER, amountIdr: 60_000, uniqueCodeIdr: 123, totalIdr: 60_123 };
    const p1 = await prisma.payment.create({ data: { ...manual, orderId: o1.id, attemptRef: `${o1.reference}-m` } });
    await expect(prisma.payment.create({ data: { ...manual, orderId: o2.id, attemptRef: `${o2.reference}-m` } })).rejects.toSatisfy((e) =>
      isUniqueViolation(e),
    );
    await prisma.payment.update({ where: { id: p1.id }, data: { status: "EXPIRED" } });
    await prisma.payment.create({ data: { ...manual, orderId: o2.id, attemptRef: `${o2.reference}-m` } });
  });

  it("CouponRedemption allows one redemption per order", async () => {
    const user = await makeUser(7_000_000_004n);
    const order = await makeOrder(user.id, { basePriceIdr: 75_000, promoDiscountIdr: 0, couponDiscountIdr: 7_500, couponCode: "HEMAT10", totalIdr: 67_500 });
    const coupon = await prisma.coupon.findUniqueOrThrow({ where: { code: "HEMAT10" } });
    await prisma.couponRedemption.create({ data: { couponId: coupon.id, userId: user.id, orderId: order.id, discountIdr: 7_500 } });
    const other = await prisma.coupon.findUniqueOrThrow({ where: { code: "BARU25K" } });
    const dup = prisma.couponRedemption.create({ data: { couponId: other.id, userId: user.id, orderId: order.id, discountIdr: 25_000 } });
    await expect(dup).rejects.toSatisfy((e) => isUniqueViolation(e, ["order_id"]));
  });
});

describe("check constraints", () => {
  beforeAll(() => seedDemoCatalog(prisma)); // idempotent; these tests use the demo catalog

  it("keep order arithmetic and snapshots consistent", async () => {
    const user = await makeUser(7_000_000_005n);
    expect(await rejection(() => makeOrder(user.id, { totalIdr: 59_000 }))).toMatch(/orders_amounts_valid/);
    expect(await rejection(() => makeOrder(user.id, { planCode: null }))).toMatch(/orders_snapshot_complete/);
    expect(await rejection(() => makeOrder(user.id, { kind: OrderKind.RENEWAL }))).toMatch(/orders_renewal_has_instance/);
    // A wallet top-up has no plan.
    const topup = await prisma.order.create({
      data: { reference: `TOP-${user.id}`, userId: user.id, kind: OrderKind.WALLET_TOPUP, basePriceIdr: 50_000, totalIdr: 50_000, snapshot: { amountIdr: 50_000 } },
    });
    expect(topup.planCode).toBeNull();
  });

  it("stop coupon over-use and negative stock", async () => {
    const coupon = await prisma.coupon.create({ data: { code: "LIMIT1", kind: DiscountKind.FIXED, value: 5_000, usageLimit: 1 } });
    await prisma.coupon.update({ where: { id: coupon.id }, data: { usedCount: { increment: 1 } } });
    expect(await rejection(() => prisma.coupon.update({ where: { id: coupon.id }, data: { usedCount: { increment: 1 } } }))).toMatch(
      /coupons_used_count_within_limit/,
    );
    expect(await rejection(() => prisma.coupon.create({ data: { code: "lower", kind: DiscountKind.FIXED, value: 1 } }))).toMatch(/coupons_valid/);

    const plan = await prisma.plan.findUniqueOrThrow({ where: { code: "vultr-vc2-2c-4gb-sgp" } });
    expect(plan.stock).toBe(10);
    expect(await rejection(() => prisma.plan.update({ where: { id: plan.id }, data: { stock: { decrement: 11 } } }))).toMatch(
      /plans_stock_nonnegative/,
    );
  });
});

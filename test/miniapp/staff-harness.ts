/**
 * The staff side of the Mini App on a real database and Redis: the session route and appSession
 * (miniapp-core's), the staff API behind them, the demo catalog, and people with different
 * powers — the owner, members holding one permission each, a customer. Sessions are opened the
 * way the app opens them: a signed initData posted to /app/api/session.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Hono } from "hono";
import { Redis } from "ioredis";
import { seedDemoCatalog } from "../../db/seed.js";
import type { PrismaClient } from "../../db/client.js";
import { signInitData } from "../../shop/miniapp/init-data.js";
import { UserDirectory } from "../../shop/users/directory.js";
import { configRoster, type Permission } from "../../shop/users/staff.js";
import { appSession, sessionRoutes } from "../../webhooks/miniapp/session.js";
import { staffApi } from "../../webhooks/miniapp/staff/index.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";
import { userRow } from "../support/factories.js";

export const BOT_TOKEN = "123456:staff-miniapp-test-token";
export const OWNER = { id: 7_100_001, first_name: "Budi", username: "budi_owner" };
export const CUSTOMER = { id: 7_100_009, first_name: "Sari", username: "sari" };

/** Members with one role each, made in the chat's tables (staff_roles, staff_members). */
export const MEMBERS = {
  catalog: { id: 7_100_002, first_name: "Rina", role: "mini-catalog", permissions: ["catalog.manage"] },
  viewer: { id: 7_100_003, first_name: "Andi", role: "mini-orders", permissions: ["orders.view"] },
  support: { id: 7_100_004, first_name: "Dewi", role: "mini-support", permissions: ["orders.view", "orders.manage", "customers.view", "payments.review"] },
} satisfies Record<string, { id: number; first_name: string; role: string; permissions: Permission[] }>;

/** Approvals above this many rupiah take two different members (APPROVAL_SECOND_STAFF_ABOVE_IDR). */
export const SECOND_STAFF_ABOVE_IDR = 100_000;

export interface StaffHarness {
  db: TestDatabase;
  /** What the staff API was given of the configuration (the screenshots' key and folder, the two-person rule). */
  config: { pending: { secondStaffAboveIdr: number }; ownerIds: number[]; sellerIds: number[]; encryptionKey: Uint8Array; dataDir: string };
  prisma: PrismaClient;
  app: Hono;
  /** Jobs the routes queued (the customer's notices). */
  queued: Array<{ name: string; payload: unknown; jobId?: string }>;
  /** A fresh session token for a Telegram profile, through POST /app/api/session. */
  login(profile: { id: number; first_name: string; username?: string }): Promise<string>;
  /** A request to the app with the bearer token. */
  call(token: string, method: string, path: string, body?: unknown): Promise<Response>;
  /** A user directory of another process on the same Redis (the chat's), with an empty in-process copy: what the shared cache says. */
  chatUsers(): UserDirectory;
  /** Makes `telegramId` a member with exactly `permissions` (a role of its own). */
  grant(telegramId: number, roleName: string, permissions: string[]): Promise<void>;
  close(): Promise<void>;
}

let launches = 0;

export async function staffHarness(): Promise<StaffHarness> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix("mini-staff");
  const redis = new Redis(TEST_REDIS_URL);
  const users = new UserDirectory(db.prisma, redis, prefix, configRoster({ ownerIds: [OWNER.id], sellerIds: [] }));
  await seedDemoCatalog(db.prisma);
  const queued: StaffHarness["queued"] = [];
  const queues = {
    enqueue: async (name: string, payload: unknown, opts: { jobId?: string } = {}) => {
      queued.push({ name, payload, ...(opts.jobId ? { jobId: opts.jobId } : {}) });
      return undefined;
    },
  };
  const config = { pending: { secondStaffAboveIdr: SECOND_STAFF_ABOVE_IDR }, ownerIds: [OWNER.id], sellerIds: [], encryptionKey: new Uint8Array(randomBytes(32)), dataDir: mkdtempSync(path.join(os.tmpdir(), "mini-staff-")) };
  const app = new Hono();
  const deps = { prisma: db.prisma, users, botToken: BOT_TOKEN, initDataMaxAgeS: 3600, redis, queuePrefix: prefix };
  app.route("/app/api/session", sessionRoutes(deps));
  const staff = new Hono();
  staff.use("*", appSession(deps));
  staff.route("/", staffApi({ prisma: db.prisma, queues: queues as never, providers: {} as never, config, users }));
  app.route("/app/api/staff", staff);

  const grant: StaffHarness["grant"] = async (telegramId, roleName, permissions) => {
    const user = await userRow(db.prisma, telegramId, "Staf");
    const role = await db.prisma.staffRole.upsert({ where: { name: roleName }, create: { name: roleName, permissions }, update: { permissions } });
    await db.prisma.staffMember.upsert({ where: { userId: user.id }, create: { userId: user.id, roleId: role.id }, update: { roleId: role.id } });
    await users.forget(telegramId);
  };
  for (const m of Object.values(MEMBERS)) await grant(m.id, m.role, m.permissions);

  return {
    db,
    config,
    prisma: db.prisma,
    app: app as unknown as Hono,
    queued,
    async login(profile) {
      const initData = signInitData(
        { auth_date: String(Math.floor(Date.now() / 1000)), query_id: `AAH${++launches}`, user: JSON.stringify(profile) },
        BOT_TOKEN,
      );
      const res = await app.request("/app/api/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ initData }) });
      if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    call(token, method, path, body) {
      return Promise.resolve(
        app.request(path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        }),
      );
    },
    grant,
    chatUsers: () => new UserDirectory(db.prisma, redis, prefix, configRoster({ ownerIds: [OWNER.id], sellerIds: [] })),
    async close() {
      redis.disconnect();
      await deleteKeys(prefix);
      await db.drop();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeTelegram, type ApiCall, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { freePort, TEST_TOKEN, testEnv } from "../support/service.js";
import { killAll, rssMiB, spawnService } from "./helpers.js";

let db: TestDatabase;
const prefix = uniquePrefix("proc-restart");
const fakes: FakeTelegram[] = [];

async function newFake(): Promise<FakeTelegram> {
  const fake = await startFakeTelegram({ token: TEST_TOKEN });
  fakes.push(fake);
  return fake;
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  // Children first (they talk to the fakes), then the fakes.
  await killAll();
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});
afterAll(async () => {
  await killAll();
  await deleteKeys(prefix);
  await db?.drop();
});

describe("the bot survives kill -9 in the middle of a conversation", () => {
  it("resumes the /language conversation in a new process after SIGKILL", async () => {
    const fake = await newFake();
    // debug level: the bot logs "update handled" once an update's middleware stack (including
    // saving the conversation state) has finished.
    const env = testEnv(db, `${prefix}-kill`, await freePort(), fake.url, { LOG_LEVEL: "debug" });
    const user = fake.user(5_300_001, { firstName: "Ana" });

    const first = spawnService(["bot"], env);
    const sent = await user.sendText("/language");
    const prompt = await user.waitForMessage("Pilih bahasa yang Anda inginkan:", { timeoutMs: 20_000 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${first.describe()}`);
    });
    expect(prompt.text).toBe("Pilih bahasa yang Anda inginkan:");
    // The prompt reaches the user a moment before the conversation state is stored; a kill in
    // that window loses the flow (the button then gets the "stale button" notice). Kill right
    // after the update is fully handled, i.e. while the conversation waits for the tap.
    await first.waitForLog("update handled", 10_000);
    expect(first.logs().find((l) => l.msg === "update handled")).toMatchObject({ updateId: sent.updateId, chatId: 5_300_001 });

    first.proc.kill("SIGKILL");
    expect(await first.waitForExit(5_000)).toEqual({ code: null, signal: "SIGKILL" });
    expect(first.logs().map((l) => l.msg)).not.toContain("shutting down"); // no graceful anything

    const second = spawnService(["bot"], env);
    // Tap "English" on the prompt the dead process sent; the new process must pick the flow up.
    await user.pressButton({ messageId: prompt.messageId, text: "🇬🇧 English" });
    await user.waitForMessage("Language switched to English. 🇬🇧", { timeoutMs: 20_000 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${second.describe()}`);
    });
    await user.sendText("/start");
    const menu = await user.waitForMessage(/Hi, Ana!/, { timeoutMs: 10_000 });
    expect(menu.text).toContain("Hi, Ana!");
    const row = await db.prisma.user.findUnique({ where: { telegramId: BigInt(5_300_001) } });
    expect(row).toMatchObject({ language: "en" });

    second.proc.kill("SIGTERM");
    expect(await second.waitForExit(10_000), second.describe()).toEqual({ code: 0, signal: null });
  });
});

interface RoleMeasurement {
  roles: string;
  serviceStartedMs: number;
  startServiceMs: number;
  firstGetUpdatesMs?: number;
  rssMiB?: number;
  stopMs: number;
}

describe("cold start and memory per role (recorded, not asserted)", () => {
  it("measures spawn → ready, spawn → first getUpdates and RSS after ~2 s idle for each role", { timeout: 90_000 }, async () => {
    const results: RoleMeasurement[] = [];
    for (const roles of ["web", "bot", "worker", "scheduler", "all"]) {
      const fake = await newFake();
      const getUpdates: ApiCall[] = [];
      const unsubscribe = fake.subscribe((e) => {
        if (e.type === "call" && e.call.method === "getUpdates") getUpdates.push(e.call);
      });
      const polls = roles === "bot" || roles === "all";
      // A prefix per run: every fake starts update ids at the same number, and the bot drops
      // update ids it has seen before (dedupe keys live under the queue prefix).
      const child = spawnService([roles], testEnv(db, `${prefix}-${roles}`, await freePort(), fake.url, { LOG_LEVEL: "info" }));
      const { line } = await child.waitForLog("service started", 30_000);
      const serviceStartedMs = Date.parse(String(line.time)) - child.spawnedAt;
      let firstGetUpdatesMs: number | undefined;
      if (polls) {
        // The fake records a long poll when it completes; a message ends the poll and proves the bot answers.
        const user = fake.user(5_300_100, { firstName: "Rina" });
        await user.sendText("/help");
        await user.waitForMessage(/\/language/, { timeoutMs: 10_000 });
        firstGetUpdatesMs = Math.min(...getUpdates.map((c) => c.at)) - child.spawnedAt;
      }
      await new Promise((r) => setTimeout(r, 2_000)); // idle
      const rss = rssMiB(child.pid);
      const stopAt = Date.now();
      child.proc.kill("SIGTERM");
      const exit = await child.waitForExit(10_000);
      const stopMs = Date.now() - stopAt;
      unsubscribe();
      expect(exit, child.describe()).toEqual({ code: 0, signal: null });
      results.push({ roles, serviceStartedMs, startServiceMs: Number(line.startupMs), firstGetUpdatesMs, rssMiB: rss, stopMs });
      await Promise.all(fakes.splice(0).map((f) => f.stop()));
    }

    const header = ["roles", "spawn→started ms", "startService ms", "spawn→1st getUpdates ms", "RSS MiB (2 s idle)", "SIGTERM→exit ms"];
    const rows = results.map((r) => [r.roles, r.serviceStartedMs, r.startServiceMs, r.firstGetUpdatesMs ?? "-", r.rssMiB ?? "?", r.stopMs].map(String));
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
    console.log(
      [
        `process cold start / memory (node ${process.version}, node --import tsx ops/main.ts <roles>):`,
        fmt(header),
        fmt(widths.map((w) => "-".repeat(w))),
        ...rows.map(fmt),
      ].join("\n"),
    );
  });
});

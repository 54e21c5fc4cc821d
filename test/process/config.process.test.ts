import { afterEach, describe, expect, it } from "vitest";
import { TEST_REDIS_URL } from "../support/redis.js";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, killAll, spawnService, spawnTracked } from "./helpers.js";

afterEach(async () => {
  await killAll();
});

const CONFIG_EXIT_CODE = 78;

describe("configuration errors stop the real process with exit code 78", () => {
  it("prints exactly one `config error: NAME: reason` line per bad variable and never a secret's value", async () => {
    const secretValue = "Sup3rS3cretButMalformed-DoNotPrintMe";
    // No TELEGRAM_BOT_TOKEN, no DATABASE_URL, a non-numeric port and a malformed encryption key.
    const child = spawnService(["web"], {
      REDIS_URL: TEST_REDIS_URL,
      HTTP_PORT: "abc",
      DATA_ENCRYPTION_KEY: secretValue,
    });
    const exit = await child.waitForExit(15_000);
    expect(exit, child.describe()).toEqual({ code: CONFIG_EXIT_CODE, signal: null });

    const lines = child.stderr().split("\n").filter(Boolean);
    const configLines = lines.filter((l) => l.startsWith("config error: "));
    expect(configLines, child.describe()).toHaveLength(lines.length); // nothing but config lines on stderr
    const names = configLines.map((l) => /^config error: ([A-Z0-9_]+): \S.*$/.exec(l)?.[1]);
    expect(names.sort()).toEqual(["DATABASE_URL", "DATA_ENCRYPTION_KEY", "HTTP_PORT", "TELEGRAM_BOT_TOKEN"]);
    expect(configLines).toContain("config error: TELEGRAM_BOT_TOKEN: is required");
    expect(configLines).toContain("config error: DATABASE_URL: is required");

    const output = child.stdout() + child.stderr();
    expect(output).not.toContain(secretValue);
    expect(output).not.toContain("abc");
    // The service never got as far as logging.
    expect(child.stdout()).toBe("");
  });

  it("`npm start` reads the .env of the directory it runs in; a variable already in the environment wins", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vps-shop-dotenv-"));
    try {
      symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
      // Everything required is in .env but for a bad port; the environment's DATABASE_URL replaces .env's bad one.
      writeFileSync(join(dir, ".env"), ["TELEGRAM_BOT_TOKEN=123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `REDIS_URL=${TEST_REDIS_URL}`, "DATABASE_URL=not-a-url", "DATA_ENCRYPTION_KEY=" + "ab".repeat(32), "HTTP_PORT=abc", ""].join("\n"));
      const child = spawnTracked(process.execPath, ["--import", "tsx", join(ROOT, "ops/main.ts"), "web"], { cwd: dir, env: { PATH: process.env.PATH ?? "", DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/none" } });
      const exit = await child.waitForExit(15_000);
      expect(exit, child.describe()).toEqual({ code: CONFIG_EXIT_CODE, signal: null });
      expect(child.stderr().split("\n").filter(Boolean), child.describe()).toEqual(["config error: HTTP_PORT: must be a port number 1-65535"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects an unknown role with exit code 78 before reading the rest of the config", async () => {
    const child = spawnService(["bogus"], {});
    const exit = await child.waitForExit(15_000);
    expect(exit, child.describe()).toEqual({ code: CONFIG_EXIT_CODE, signal: null });
    expect(child.stderr().trim()).toMatch(/^config error: ROLES: unknown role\(s\): bogus \(expected web, bot, worker, scheduler or all\)$/);
  });

  it("a WORKER_QUEUES name that is no queue stops the worker with exit code 78, not a restart loop", async () => {
    const child = spawnService(["worker"], {
      TELEGRAM_BOT_TOKEN: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/none",
      REDIS_URL: TEST_REDIS_URL,
      DATA_ENCRYPTION_KEY: "ab".repeat(32),
      DATA_DIR: mkdtempSync(join(tmpdir(), "vps-shop-queues-")),
      WORKER_QUEUES: "all,-backup",
      LOG_LEVEL: "silent",
    });
    const exit = await child.waitForExit(30_000);
    expect(exit, child.describe()).toEqual({ code: CONFIG_EXIT_CODE, signal: null });
    expect(child.stderr(), child.describe()).toMatch(/^config error: WORKER_QUEUES: unknown queue\(s\) backup \(known: /m);
  });

  it("rejects an unknown role given through ROLES too", async () => {
    const child = spawnService([], { ROLES: "web,nonsense" });
    const exit = await child.waitForExit(15_000);
    expect(exit, child.describe()).toEqual({ code: CONFIG_EXIT_CODE, signal: null });
    expect(child.stderr()).toMatch(/^config error: ROLES: unknown role\(s\): nonsense/);
  });
});

/**
 * `npm run demo` as a person would use it: `node --import tsx ops/demo/demo.ts` with a piped
 * stdin and no DATABASE_URL/REDIS_URL, so it finds PostgreSQL and Redis on localhost by itself.
 *
 * The demo uses fixed names (database vps_shop_demo, Redis prefix "vpsdemo", logs in .demo/).
 * They are meant to persist between demo runs, so the test removes only what it created.
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASE_ADMIN_URL } from "../support/db-context.js";
import { deleteKeys, TEST_REDIS_URL } from "../support/redis.js";
import { Redis } from "ioredis";
import { baseEnv, killAll, ROOT, spawnTracked, type ServiceProcess } from "./helpers.js";

const DEMO_DB = "vps_shop_demo";
const DEMO_PREFIX = "vpsdemo";
const DEMO_DIR = path.join(ROOT, ".demo");

let hadDatabase = true;
let hadKeys = true;
let hadDir = true;

async function databaseExists(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await client.connect();
  try {
    return (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DEMO_DB])).rowCount === 1;
  } finally {
    await client.end();
  }
}

async function demoKeysExist(): Promise<boolean> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const [, keys] = await redis.scan("0", "MATCH", `${DEMO_PREFIX}*`, "COUNT", 1000);
    return keys.length > 0;
  } finally {
    redis.disconnect();
  }
}

beforeAll(async () => {
  hadDatabase = await databaseExists();
  hadKeys = await demoKeysExist();
  hadDir = existsSync(DEMO_DIR);
});

afterAll(async () => {
  await killAll();
  if (!hadDatabase) {
    const client = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${DEMO_DB}" WITH (FORCE)`).finally(() => client.end());
  }
  if (!hadKeys) await deleteKeys(DEMO_PREFIX);
  if (!hadDir) rmSync(DEMO_DIR, { recursive: true, force: true });
});

/** Resolves once stdout (from `from` on) matches; rejects with the output so far on timeout or exit. */
function waitForOutput(child: ServiceProcess, pattern: RegExp, from: number, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(child.stdout().slice(from));
      if (m) return finish(() => resolve(m));
      if (child.exitInfo() !== undefined) finish(() => reject(new Error(`demo exited before printing ${pattern}\n${child.describe()}`)));
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}\n${child.describe()}`))), timeoutMs);
    const poll = setInterval(check, 25);
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      clearInterval(poll);
      fn();
    };
    check();
  });
}

describe("npm run demo", () => {
  it("prepares everything itself, chats through stdin/stdout, pays at the fake gateway and quits cleanly", { timeout: 90_000 }, async () => {
    const env = baseEnv(); // deliberately no DATABASE_URL / REDIS_URL / TELEGRAM_*
    const child = spawnTracked(process.execPath, ["--import", "tsx", path.join(ROOT, "ops/demo/demo.ts")], { env, stdin: "pipe" });
    const type = (line: string) => child.proc.stdin!.write(`${line}\n`);

    await waitForOutput(child, /Ketik \/start\./, 0, 40_000);
    expect(child.stdout()).toContain("• database: PostgreSQL on 127.0.0.1:5432");
    expect(child.stdout()).toContain("• redis: Redis on 127.0.0.1:6379");

    let mark = child.stdout().length;
    type("/start");
    await waitForOutput(child, /bot › Halo, Budi!/, mark, 15_000);
    // The main menu: numbered inline buttons, one indented line per keyboard row, under the greeting.
    const menu = await waitForOutput(child, /bot › Halo, Budi![^]*?Menu utama[^\n]*\n((?: +\[\d+\] [^\n]*\n)+)/, mark, 15_000);
    const labels = [...menu[1]!.matchAll(/\[(\d+)\] (.+?)(?= {2}\[|\n)/g)].map((m) => ({ n: Number(m[1]), label: m[2]! }));
    expect(labels.length).toBeGreaterThanOrEqual(2);
    expect(labels.map((b) => b.n)).toEqual(labels.map((_, i) => i + 1)); // numbered 1, 2, 3, … across rows
    expect(labels.map((b) => b.label)).toContain("❓ Bantuan");
    const language = labels.find((b) => b.label === "🌐 Bahasa / Language");
    expect(language, JSON.stringify(labels)).toBeDefined();

    mark = child.stdout().length;
    type(String(language!.n));
    await waitForOutput(child, /bot › Pilih bahasa yang Anda inginkan:\n +\[1\] 🇮🇩 Bahasa Indonesia {2}\[2\] 🇬🇧 English/, mark, 15_000);

    // Payments run against the local fake gateways: top up the wallet by BRI VA and pay it with :pay.
    expect(child.stdout()).toMatch(/• payments: fake Tripay at http:\/\/127\.0\.0\.1:\d+, fake Midtrans at http:\/\/127\.0\.0\.1:\d+/);
    mark = child.stdout().length;
    type(":help");
    await waitForOutput(child, /:pay \[order\] +pay the newest open Tripay\/Midtrans payment/, mark, 15_000);
    mark = child.stdout().length;
    type("/wallet");
    await waitForOutput(child, /Saldo Anda: Rp [\d.]+[^]*?\[1\] Rp 50\.000/, mark, 15_000);
    mark = child.stdout().length;
    type("1");
    await waitForOutput(child, /Isi saldo Rp 50\.000 — pesanan TOP-\d{8}-[A-Z0-9]{5}\. Pilih cara bayar:\n +\[1\] 💳 Bayar sekarang/, mark, 15_000);
    mark = child.stdout().length;
    type("1");
    await waitForOutput(child, /\[1\] BRI Virtual Account · biaya Rp 4\.250 · total Rp 54\.250/, mark, 15_000);
    mark = child.stdout().length;
    type("1");
    await waitForOutput(child, /bot › BRI Virtual Account\n +Nomor pembayaran: \d+/, mark, 15_000);
    mark = child.stdout().length;
    type(":pay");
    await waitForOutput(child, /paid at the fake Tripay BRIVA · TOP-\d{8}-[A-Z0-9]{5} · Rp 54\.250 \(T\w+\) → callback to the shop: HTTP 200/, mark, 15_000);
    await waitForOutput(child, /bot › ✅ Isi saldo Rp 50\.000 berhasil\. Saldo Anda sekarang Rp [\d.]+\./, mark, 15_000);

    type(":quit");
    const exit = await child.waitForExit(10_000);
    expect(exit, child.describe()).toEqual({ code: 0, signal: null });
    expect(child.stderr()).toBe("");
  });
});

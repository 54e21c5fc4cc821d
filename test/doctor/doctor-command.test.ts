/**
 * The owner's /doctor through the real bot: the same table as `npm run doctor`, in <pre> blocks
 * with a summary; sellers and customers are refused (the command is unknown to them) and run
 * nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDoctorTable, splitLines } from "../../shop/doctor/index.js";
import { textsSince, updates, type TestUser } from "../support/bot-harness.js";
import { createBotHarness, OWNER_ID, SELLER_ID } from "../support/service.js";

let h: Awaited<ReturnType<typeof createBotHarness>>;
beforeAll(async () => {
  h = await createBotHarness();
});
afterAll(async () => {
  await h?.close();
});

const owner: TestUser = { id: OWNER_ID, first_name: "Budi" };

describe("/doctor", () => {
  it("is refused to sellers and customers: nothing is checked", async () => {
    for (const who of [{ id: SELLER_ID, first_name: "Sella" }, { id: 5_600_001, first_name: "Siti" }]) {
      const from = h.calls.length;
      await h.bot.handleUpdate(updates.text(who, "/doctor"));
      expect(textsSince(h.calls, from)).toEqual(["Maaf, saya tidak mengerti. Ketik /start untuk membuka menu."]);
      expect(h.calls.slice(from).some((c) => c.method === "sendChatAction")).toBe(false);
    }
  });

  it("sends the owner the table with the fixes and a summary", { timeout: 60_000 }, async () => {
    const from = h.calls.length;
    await h.bot.handleUpdate(updates.text(owner, "/doctor"));
    const texts = textsSince(h.calls, from);
    expect(texts[0]).toBe("🩺 Memeriksa kesiapan peluncuran…");
    const table = texts.filter((t) => t.startsWith("<pre>")).join("\n");
    expect(table).toContain("STATUS  CHECK");
    expect(table).toMatch(/FAIL +https public URL/);
    expect(table).toMatch(/PASS +migrations applied/);
    // The owner is asked with sendChatAction: the bot can write to them.
    expect(table).toMatch(new RegExp(`PASS +owner ${OWNER_ID} reachable`));
    expect(table).toMatch(/PASS +maintenance mode +off; nothing paused/);
    expect(texts.at(-1)).toMatch(/^🩺 Pemeriksaan pra-peluncuran: \d+ GAGAL · \d+ PERINGATAN · \d+ LULUS$/);
  });

  it("splits a long table at line ends", () => {
    const long = formatDoctorTable(Array.from({ length: 80 }, (_, i) => ({ name: `check ${i}`, status: "FAIL" as const, detail: "x".repeat(60), fix: "do y" })));
    const chunks = splitLines(long, 3_800);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.length <= 3_800)).toBe(true);
    expect(chunks.join("\n")).toBe(long);
  });
});

/**
 * The email part of /settings through the real bot (every middleware, the conversation, real
 * Postgres and Redis) with the code mailed by the real transport to a local SMTP server: add an
 * address, type a wrong code then the right one, change it, remove it; Bahasa Indonesia and
 * English; the option hidden (and its buttons refused) when the shop has no SMTP_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buttonsOf, textsSince, updates, type RecordedCall, type TestUser } from "../support/bot-harness.js";
import { createBotHarness } from "../support/service.js";
import { codeIn, startSmtpSink, to, type SmtpSink } from "./smtp-sink.js";

const RINA: TestUser = { id: 9_710_001, first_name: "Rina" };
const JOHN: TestUser = { id: 9_710_002, first_name: "John" };

let h: Awaited<ReturnType<typeof createBotHarness>>;
let sink: SmtpSink;

async function send(user: TestUser, text: string): Promise<RecordedCall[]> {
  const from = h.calls.length;
  await h.bot.handleUpdate(updates.text(user, text));
  return h.calls.slice(from);
}
async function tap(user: TestUser, data: string): Promise<RecordedCall[]> {
  const from = h.calls.length;
  await h.bot.handleUpdate(updates.callback(user, data));
  return h.calls.slice(from);
}
const shown = (calls: RecordedCall[]) => textsSince(calls).join("\n");
const lastButtons = (calls: RecordedCall[]) => buttonsOf([...calls].reverse().find((c) => c.method === "sendMessage" || c.method === "editMessageText"));
const alerts = (calls: RecordedCall[]) => calls.filter((c) => c.method === "answerCallbackQuery").map((c) => String(c.payload.text ?? ""));
const userOf = (u: TestUser) => h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(u.id) } });

beforeAll(async () => {
  sink = await startSmtpSink();
  h = await createBotHarness({ SMTP_URL: sink.url, EMAIL_FROM: '"Toko VPS" <toko@toko.test>', BOT_RATE_LIMIT_PER_10S: "100000" });
  for (const u of [RINA, JOHN]) await send(u, "/start");
});
afterAll(async () => {
  await h?.close();
  await sink?.stop();
});

describe("/settings → email", () => {
  it("adds an address: a code by email, a wrong code refused, the right one confirms (audited)", async () => {
    const settings = await send(RINA, "/settings");
    expect(lastButtons(settings)).toContainEqual({ text: "📧 Salinan email: mati", data: "em:open" });

    const screen = await tap(RINA, "em:open");
    expect(shown(screen)).toContain("Belum ada alamat email.");
    expect(shown(screen)).toContain("Password VPS tidak pernah dikirim lewat email");
    expect(lastButtons(screen).map((b) => b.data)).toEqual(["em:add", "menu:settings"]);

    expect(shown(await tap(RINA, "em:add"))).toContain("Ketik alamat email Anda");
    expect(shown(await send(RINA, "bukan alamat"))).toContain("Itu bukan alamat email.");
    const asked = await send(RINA, "Rina@Contoh.test");
    expect(shown(asked)).toContain("Kode 6 angka sudah dikirim ke <b>rina@contoh.test</b>");
    expect(lastButtons(asked).map((b) => b.data)).toEqual(["em:resend", "em:x"]);

    const mail = await sink.waitFor(to("rina@contoh.test"));
    const code = codeIn(mail);
    expect(mail.from?.text).toBe('"Toko VPS" <toko@toko.test>');
    expect(shown(await send(RINA, "12345"))).toContain("Ketik kode 6 angka dari email.");
    const wrong = code === "000000" ? "111111" : "000000";
    expect(shown(await send(RINA, wrong))).toContain("Kode salah. Sisa 4 kali percobaan.");
    expect((await userOf(RINA)).email).toBeNull();

    const done = await send(RINA, `${code.slice(0, 3)} ${code.slice(3)}`);
    expect(shown(done)).toContain("rina@contoh.test terkonfirmasi");
    const user = await userOf(RINA);
    expect(user).toMatchObject({ email: "rina@contoh.test" });
    expect(user.emailVerifiedAt).toBeInstanceOf(Date);
    expect(await h.prisma.auditLog.count({ where: { action: "email.confirmed", actorUserId: user.id } })).toBe(1);

    // The flow is over: a later number is not taken as a code.
    const later = await send(RINA, code);
    expect(shown(later)).not.toContain("terkonfirmasi");
    expect(lastButtons(await send(RINA, "/settings"))).toContainEqual({ text: "📧 Email: rina@contoh.test", data: "em:open" });
  });

  it("removes the address after a confirmation tap", async () => {
    const screen = await tap(RINA, "em:open");
    expect(shown(screen)).toContain("Alamat terkonfirmasi: <b>rina@contoh.test</b>");
    expect(lastButtons(screen).map((b) => b.data)).toEqual(["em:add", "em:rm", "menu:settings"]);
    const ask = await tap(RINA, "em:rm");
    expect(shown(ask)).toContain("Hapus <b>rina@contoh.test</b>?");
    const removed = await tap(RINA, "em:rmok");
    expect(alerts(removed)).toContain("🗑 rina@contoh.test dihapus. Anda tidak akan menerima salinan email lagi.");
    expect(await userOf(RINA)).toMatchObject({ email: null, emailVerifiedAt: null });
    // A second tap on the stale button changes nothing.
    expect(alerts(await tap(RINA, "em:rmok"))).toContain("Tidak ada alamat untuk dihapus.");
    expect(await h.prisma.auditLog.count({ where: { action: "email.removed" } })).toBe(1);
  });

  it("in English: cancel, then a code entered later from the screen, too many wrong codes lock it", async () => {
    await h.core.users.setLanguage(JOHN.id, "en");
    await tap(JOHN, "em:add");
    const cancelled = await tap(JOHN, "em:x");
    expect(shown(cancelled)).toContain("Cancelled. Nothing was changed.");
    expect(shown(await send(JOHN, "john@example.test"))).not.toContain("We sent");

    await tap(JOHN, "em:add");
    expect(shown(await send(JOHN, "john@example.test"))).toContain("We sent a 6-digit code to <b>john@example.test</b>");
    const code = codeIn(await sink.waitFor(to("john@example.test")));
    expect((await sink.waitFor(to("john@example.test"))).subject).toBe(`${code} is your Toko VPS confirmation code`);
    // Leaves the flow with another command, then comes back through the screen's "enter the code".
    await send(JOHN, "/settings");
    const screen = await tap(JOHN, "em:open");
    expect(shown(screen)).toContain("Waiting for the code sent to <b>john@example.test</b>");
    expect(shown(await tap(JOHN, "em:code"))).toContain("Type the 6-digit code from the email.");
    const wrong = code === "000000" ? "111111" : "000000";
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(shown(await send(JOHN, wrong)));
    expect(replies[0]).toContain("Wrong code. 4 tries left.");
    expect(replies[3]).toContain("Wrong code. 1 try left.");
    expect(replies[4]).toContain("Too many wrong codes.");
    expect((await userOf(JOHN)).emailVerifiedAt).toBeNull();
    // A new code right away is refused until a minute has passed since the last one.
    expect(shown(await tap(JOHN, "em:resend"))).toMatch(/Please wait \d+ s before asking for another code\./);
  });
});

describe("every wait has an exit", () => {
  it("five answers that are not an address end the flow; the next text is not taken as one", async () => {
    const ANI: TestUser = { id: 9_710_004, first_name: "Ani" };
    await send(ANI, "/start");
    await tap(ANI, "em:add");
    for (let i = 0; i < 4; i++) expect(shown(await send(ANI, `salah ${i}`))).toContain("Itu bukan alamat email.");
    expect(shown(await send(ANI, "salah lagi"))).toContain("Terlalu banyak percobaan; pengaturan email dihentikan.");
    expect(shown(await send(ANI, "ani@contoh.test"))).not.toContain("Kode 6 angka");
    expect(await h.prisma.emailVerification.count({ where: { email: "ani@contoh.test" } })).toBe(0);
  });
});

describe("without SMTP_URL", () => {
  it("shows no email option and refuses its buttons", async () => {
    const bare = await createBotHarness({ BOT_RATE_LIMIT_PER_10S: "100000" });
    try {
      const user: TestUser = { id: 9_710_003, first_name: "Tanpa" };
      await bare.bot.handleUpdate(updates.text(user, "/start"));
      const from = bare.calls.length;
      await bare.bot.handleUpdate(updates.text(user, "/settings"));
      expect(buttonsOf(bare.calls.slice(from).find((c) => c.method === "sendMessage")).map((b) => b.data)).not.toContain("em:open");
      const tapped = bare.calls.length;
      await bare.bot.handleUpdate(updates.callback(user, "em:add"));
      expect(bare.calls.slice(tapped).find((c) => c.method === "answerCallbackQuery")?.payload).toMatchObject({ text: "Salinan email tidak tersedia di toko ini.", show_alert: true });
      expect(await bare.prisma.emailVerification.count()).toBe(0);
    } finally {
      await bare.close();
    }
  });
});

/**
 * /broadcast and /settings end to end through the real bot (every middleware, real Postgres and
 * Redis, real queues with no worker behind them): a message composed with Telegram formatting
 * (and a photo with a caption) is previewed to the member with the very same entities; the
 * audience's recipient count is on the draft card; a double tap on Confirm starts one broadcast
 * (one run queued); Pause / Resume / Cancel change its state; a schedule is read in WIB and a
 * past time refused; unsend is refused after 48 hours with the domain's reason; the paid option
 * is the owner's alone, its cost shown first. Without broadcast.send, /broadcast and forged bc:
 * buttons are refused and nothing changes. /settings turns promos off for the customer: a promo
 * audience leaves them out, a service announcement still counts them.
 */
import type { MessageEntity, Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { broadcastJobId } from "../../jobs/broadcast-runs.js";
import { QueueName } from "../../jobs/queues.js";
import { parseScheduleTime } from "../../bot/features/broadcast/schedule.js";
import { readFileSync } from "node:fs";
import { REFUSAL_KEYS } from "../../bot/features/broadcast/broadcast.views.js";
import { CATALOG_CALLBACK, countAudience, MAX_BUTTON_TEXT, MAX_BUTTONS, MAX_CAPTION, MAX_TEXT, paidCostStars } from "../../shop/broadcasts/index.js";
import { buttonsOf, textsSince, updates, type RecordedCall, type TestUser } from "../support/bot-harness.js";
import { createBotHarness } from "../support/service.js";

const OWNER: TestUser = { id: 9_530_001, first_name: "Pemilik" };
const SELLER: TestUser = { id: 9_530_002, first_name: "Penjual" };
const HERALD: TestUser = { id: 9_530_003, first_name: "Penyiar" };
const ANI: TestUser = { id: 9_530_010, first_name: "Ani" };
const BAYU: TestUser = { id: 9_530_011, first_name: "Bayu" };
const CITRA: TestUser = { id: 9_530_012, first_name: "Citra" };

let h: Awaited<ReturnType<typeof createBotHarness>>;
const t = (key: string, vars?: Record<string, string | number>) => h.core.i18n.t("id", key, vars);

let seq = Math.floor(Math.random() * 1_000_000);

async function run(update: Update): Promise<RecordedCall[]> {
  const from = h.calls.length;
  await h.bot.handleUpdate(update);
  return h.calls.slice(from);
}
const send = (user: TestUser, text: string) => run(updates.text(user, text));
const tap = (user: TestUser, data: string) => run(updates.callback(user, data));

/** A message as Telegram delivers it: text with its formatting entities, or a photo (sizes ascending) with a caption. */
function message(user: TestUser, body: { text: string; entities: MessageEntity[] } | { caption: string; caption_entities: MessageEntity[]; photo: string[] }): Update {
  seq += 1;
  const content =
    "text" in body
      ? body
      : { caption: body.caption, caption_entities: body.caption_entities, photo: body.photo.map((id, i) => ({ file_id: id, file_unique_id: `u-${id}`, width: 90 * (i + 1), height: 60 * (i + 1) })) };
  return {
    update_id: ++seq,
    message: { message_id: ++seq, date: Math.floor(Date.now() / 1000), chat: { id: user.id, type: "private", first_name: user.first_name }, from: { is_bot: false, ...user }, ...content },
  } as Update;
}

const texts = (calls: RecordedCall[]) => textsSince(calls);
const alerts = (calls: RecordedCall[]) => calls.filter((c) => c.method === "answerCallbackQuery").map((c) => String(c.payload.text ?? ""));
const lastButtons = (calls: RecordedCall[]) => buttonsOf([...calls].reverse().find((c) => c.method === "sendMessage" || c.method === "editMessageText"));
const userId = async (u: TestUser) => (await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(u.id) } })).id;
const broadcastRow = (id: number) => h.prisma.broadcast.findUniqueOrThrow({ where: { id } });

/** Opens "new promo"/"new service", sends the message, and returns the new draft's id (from the card's buttons). */
async function compose(user: TestUser, kind: "p" | "s", update: Update): Promise<{ id: number; calls: RecordedCall[] }> {
  expect(texts(await tap(user, `bc:new:${kind}`))).toEqual([t("bc-ask-compose")]);
  const calls = await run(update);
  const data = lastButtons(calls).find((b) => b.data?.startsWith("bc:au:"))?.data;
  expect(data, texts(calls).join("\n")).toBeDefined();
  return { id: Number(data!.slice("bc:au:".length)), calls };
}

/** A plain-text draft by the owner to all customers (what the sending tests start from). */
async function toEveryone(kind: "p" | "s", text: string): Promise<number> {
  const { id } = await compose(OWNER, kind, message(OWNER, { text, entities: [] }));
  await tap(OWNER, `bc:as:${id}:all`);
  return id;
}

const FORMATTED = "Diskon 20% semua VPS Singapura sampai Minggu! Kode: HEMAT20";
const ENTITIES: MessageEntity[] = [
  { type: "bold", offset: 0, length: 10 },
  { type: "italic", offset: 11, length: 5 },
  { type: "text_link", offset: 21, length: 9, url: "https://example.com/sg" },
  { type: "code", offset: 52, length: 7 },
];

beforeAll(async () => {
  h = await createBotHarness({ OWNER_IDS: String(OWNER.id), SELLER_IDS: String(SELLER.id), BOT_RATE_LIMIT_PER_10S: "100000" });
  for (const u of [OWNER, SELLER, HERALD, ANI, BAYU, CITRA]) await send(u, "/start");
  // A member the chat gave a role holding broadcast.send only (not the owner).
  const role = await h.prisma.staffRole.create({ data: { name: "penyiar", permissions: ["broadcast.send"] } });
  await h.prisma.staffMember.create({ data: { userId: await userId(HERALD), roleId: role.id } });
  await h.core.users.forget(HERALD.id);
  // Their row follows at their next update (staff, no longer in customer audiences).
  await send(HERALD, "/start");
  expect((await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(HERALD.id) } })).role).toBe("SELLER");
});
afterAll(async () => {
  await h?.close();
});

describe("composing and previewing", () => {
  it("/broadcast opens the menu; a formatted text becomes a draft and its preview carries the same entities", async () => {
    const menu = await send(OWNER, "/broadcast");
    expect(texts(menu)[0]).toContain(t("bc-menu-title"));
    expect(lastButtons(menu).map((b) => b.data)).toEqual(expect.arrayContaining(["bc:new:p", "bc:new:s"]));

    const { id, calls } = await compose(OWNER, "p", message(OWNER, { text: FORMATTED, entities: ENTITIES }));
    expect(texts(calls).join("\n")).toContain(t("bc-draft-title", { id: String(id), kind: t("bc-kind-promo") }));
    const row = await broadcastRow(id);
    expect(row).toMatchObject({ status: "DRAFT", kind: "PROMO", text: FORMATTED, photoFileId: null });
    expect(row.entities).toEqual(ENTITIES);

    const preview = await tap(OWNER, `bc:pv:${id}`);
    const sent = preview.find((c) => c.method === "sendMessage");
    expect(sent?.payload.chat_id).toBe(OWNER.id);
    // The promo footer (how to stop promos) comes after the text, so the entities' offsets hold.
    expect(String(sent?.payload.text).startsWith(FORMATTED)).toBe(true);
    expect(sent?.payload.entities).toEqual(ENTITIES);
    expect(sent?.payload.parse_mode).toBeUndefined();
    expect(alerts(preview)).toEqual([t("bc-preview-sent")]);
    // The menu lists it now, opening its draft card.
    expect(lastButtons(await send(OWNER, "/broadcast")).map((b) => b.data)).toContain(`bc:d:${id}`);
  });

  it("a photo with a caption keeps the largest size, the caption and its entities; buttons go under the preview", async () => {
    const captionEntities: MessageEntity[] = [{ type: "underline", offset: 0, length: 11 }];
    const { id } = await compose(OWNER, "s", message(OWNER, { caption: "Pemeliharaan Sabtu 02.00 WIB", caption_entities: captionEntities, photo: ["small", "medium", "large"] }));
    expect(await broadcastRow(id)).toMatchObject({ kind: "SERVICE", text: "Pemeliharaan Sabtu 02.00 WIB", photoFileId: "large", entities: captionEntities });

    await tap(OWNER, `bc:bu:${id}`);
    expect(texts(await send(OWNER, "tanpa tautan"))).toEqual([t("bc-button-invalid", { label: MAX_BUTTON_TEXT })]);
    const added = await send(OWNER, "Status | https://status.example.com");
    expect(texts(added).join("\n")).toContain(t("bc-done-button"));
    await tap(OWNER, `bc:bc:${id}`);

    const preview = await tap(OWNER, `bc:pv:${id}`);
    const photo = preview.find((c) => c.method === "sendPhoto");
    expect(photo?.payload).toMatchObject({ chat_id: OWNER.id, photo: "large", caption: "Pemeliharaan Sabtu 02.00 WIB", caption_entities: captionEntities });
    const keyboard = (photo?.payload.reply_markup as { inline_keyboard: Array<Array<{ text: string; url?: string; callback_data?: string }>> }).inline_keyboard.flat();
    expect(keyboard).toEqual([
      { text: "Status", url: "https://status.example.com" },
      { text: t("bc-catalog-button-label"), callback_data: CATALOG_CALLBACK },
    ]);

    await tap(OWNER, `bc:bx:${id}`);
    expect((await broadcastRow(id)).buttons).toEqual([]);
  });

  it("the audience picker sets the audience and the card shows its recipient count; expiring asks for the days", async () => {
    const { id } = await compose(OWNER, "s", message(OWNER, { text: "Info layanan", entities: [] }));
    expect(texts(await tap(OWNER, `bc:d:${id}`)).join("\n")).toContain(t("bc-draft-audience-none"));
    expect(lastButtons(await tap(OWNER, `bc:au:${id}`)).map((b) => b.data)).toEqual(expect.arrayContaining([`bc:as:${id}:all`, `bc:as:${id}:exp`, `bc:as:${id}:prov`]));

    const all = await countAudience(h.prisma, { kind: "ALL" }, "SERVICE");
    expect(all).toBeGreaterThanOrEqual(3);
    const card = texts(await tap(OWNER, `bc:as:${id}:all`)).join("\n");
    expect(card).toContain(t("bc-draft-audience", { audience: t("bc-aud-ALL"), count: all }));

    expect(lastButtons(await tap(OWNER, `bc:as:${id}:prov`)).map((b) => b.data)).toEqual([`bc:as:${id}:do`, `bc:as:${id}:vu`, `bc:as:${id}:li`, `bc:au:${id}`]);
    await tap(OWNER, `bc:as:${id}:vu`);
    expect((await broadcastRow(id)).audience).toBe("PROVIDER");

    expect(texts(await tap(OWNER, `bc:as:${id}:exp`))).toEqual([t("bc-ask-days", { max: 90 })]);
    expect(texts(await send(OWNER, "120"))).toEqual([t("bc-days-invalid", { max: 90 })]);
    const expiring = texts(await send(OWNER, "7")).join("\n");
    expect(expiring).toContain(t("bc-draft-audience", { audience: t("bc-aud-EXPIRING", { days: 7 }), count: 0 }));
    expect(await broadcastRow(id)).toMatchObject({ audience: "EXPIRING", audienceParam: { days: 7 } });
  });

  it("a schedule is read in WIB, a past time refused, and it can be cleared", async () => {
    const { id } = await compose(OWNER, "p", message(OWNER, { text: "Promo akhir tahun", entities: [] }));
    await tap(OWNER, `bc:sc:${id}`);
    expect(texts(await send(OWNER, "2020-01-01 09:00"))).toEqual([t("bc-schedule-past")]);
    expect(texts(await send(OWNER, "kapan-kapan"))).toEqual([t("bc-schedule-format")]);
    await send(OWNER, "besok 09:00");
    const at = (await broadcastRow(id)).scheduledAt!;
    expect(at.getTime()).toBeGreaterThan(Date.now());
    // 09:00 WIB is 02:00 UTC.
    expect(at.toISOString().slice(11, 16)).toBe("02:00");
    await tap(OWNER, `bc:scx:${id}`);
    expect((await broadcastRow(id)).scheduledAt).toBeNull();
  });
});

describe("schedule times (WIB)", () => {
  // 2026-12-04 15:30 UTC = 2026-12-04 22:30 WIB.
  const now = new Date("2026-12-04T15:30:00Z");
  it.each([
    ["2026-12-24 09:00", "2026-12-24T02:00:00.000Z"],
    ["24/12 09:00", "2026-12-24T02:00:00.000Z"],
    ["24/12/2026 09.00", "2026-12-24T02:00:00.000Z"],
    ["besok 09:00", "2026-12-05T02:00:00.000Z"],
    ["Tomorrow 9:00", "2026-12-05T02:00:00.000Z"],
    ["lusa 09:00 WIB", "2026-12-06T02:00:00.000Z"],
    ["hari ini 23:15", "2026-12-04T16:15:00.000Z"],
    ["23:15", "2026-12-04T16:15:00.000Z"],
    ["02/01 08:00", "2027-01-02T01:00:00.000Z"],
  ])("%s → %s", (text, iso) => {
    expect(parseScheduleTime(text, now)).toEqual({ ok: true, at: new Date(iso) });
  });
  it.each([
    ["today 09:00", "past"],
    ["04/12 22:00", "past"],
    ["2026-12-04 22:30", "past"],
    ["31/02 09:00", "format"],
    ["besok", "format"],
    ["25:00", "format"],
  ])("%s is refused (%s)", (text, reason) => {
    expect(parseScheduleTime(text, now)).toEqual({ ok: false, reason });
  });
});

describe("sending", () => {
  it("Send asks 'send to N recipients?'; a double tap on Confirm starts one broadcast, one run queued", async () => {
    const id = await toEveryone("s", "Gangguan jaringan sudah pulih");
    const count = await countAudience(h.prisma, { kind: "ALL" }, "SERVICE");
    const ask = await tap(OWNER, `bc:send:${id}`);
    expect(texts(ask).join("\n")).toContain(t("bc-confirm-now", { count }));
    expect(lastButtons(ask).map((b) => b.data)).toEqual([`bc:go:${id}`, `bc:d:${id}`]);

    const before = await h.prisma.broadcast.count();
    // Two taps in the owner's chat (one after the other) and one at the same moment from another member's chat.
    const from = h.calls.length;
    await Promise.all([tap(OWNER, `bc:go:${id}`), tap(OWNER, `bc:go:${id}`), tap(HERALD, `bc:go:${id}`)]);
    const both = h.calls.slice(from);
    expect(alerts(both).filter((a) => a === t("bc-already-started"))).toHaveLength(2);
    expect(await h.prisma.broadcast.count()).toBe(before);
    const row = await broadcastRow(id);
    expect(row.status).toBe("SENDING");
    expect(row.run).toBe(1);
    expect(await h.prisma.broadcastDelivery.count({ where: { broadcastId: id } })).toBe(count);
    const queue = h.core.queues.get(QueueName.Broadcast);
    const jobs = (await queue.getJobs(["waiting", "delayed", "active", "prioritized"])).filter((j) => j.data.broadcastId === id);
    expect(jobs.map((j) => j.id)).toEqual([broadcastJobId(id, 1)]);
    // The progress message went out first; it is the one the broadcast edits. A placeholder of a losing tap was taken back.
    const placeholders = both.filter((c) => c.method === "sendMessage" && String(c.payload.text) === t("bc-placeholder", { id: String(id) }));
    expect(placeholders.length - both.filter((c) => c.method === "deleteMessage").length).toBe(1);
    const progress = both.find((c) => c.method === "editMessageText" && c.payload.message_id === row.progressMessageId && c.payload.chat_id === Number(row.progressChatId));
    expect(buttonsOf(progress).map((b) => b.data)).toEqual([`bc:pause:${id}`, `bc:cancel:${id}`]);
  });

  it("Pause, Resume and Cancel (after its question) change the state and redraw the progress card", async () => {
    const id = await toEveryone("s", "Jadwal pemeliharaan");
    await tap(OWNER, `bc:go:${id}`);

    const paused = await tap(OWNER, `bc:pause:${id}`);
    expect((await broadcastRow(id)).status).toBe("PAUSED");
    expect(lastButtons(paused).map((b) => b.data)).toContain(`bc:resume:${id}`);
    await tap(OWNER, `bc:resume:${id}`);
    expect((await broadcastRow(id)).status).toBe("SENDING");
    expect((await broadcastRow(id)).run).toBe(2);

    const question = await tap(OWNER, `bc:cancel:${id}`);
    expect(texts(question)).toEqual([t("bc-ask-cancel-confirm", { id: String(id), sent: 0 })]);
    expect((await broadcastRow(id)).status).toBe("SENDING");
    const cancelled = await tap(OWNER, `bc:cxy:${id}`);
    expect(texts(cancelled).join("\n")).toContain(t("bc-cancelled"));
    expect((await broadcastRow(id)).status).toBe("CANCELLED");
    // Nothing left to pause.
    expect(texts(await tap(OWNER, `bc:pause:${id}`)).join("\n")).toContain(t("bc-not-now", { status: t("bc-status-cancelled") }));
  });

  it("a draft cannot be sent without an audience; unsend after 48 hours is refused with the domain's reason", async () => {
    const { id } = await compose(OWNER, "s", message(OWNER, { text: "Pengumuman lama", entities: [] }));
    expect(alerts(await tap(OWNER, `bc:send:${id}`))).toEqual([t("bc-refused-no_audience")]);
    await tap(OWNER, `bc:as:${id}:all`);
    await tap(OWNER, `bc:go:${id}`);
    const old = new Date(Date.now() - 49 * 3600_000);
    await h.prisma.broadcastDelivery.updateMany({ where: { broadcastId: id }, data: { status: "SENT", messageId: 777, sentAt: old } });
    await h.prisma.broadcast.update({ where: { id }, data: { status: "DONE", startedAt: old, finishedAt: old } });
    await tap(OWNER, `bc:unsend:${id}`);
    expect(alerts(await tap(OWNER, `bc:uny:${id}`))).toEqual([t("bc-unsend-refused-too_old")]);
    expect((await broadcastRow(id)).unsentAt).toBeNull();
  });
});

describe("refusals in words", () => {
  it(`a ${MAX_BUTTONS + 1}th button is refused as too many buttons, by the catalog button, the link button and a line typed meanwhile`, async () => {
    const { id } = await compose(OWNER, "s", message(OWNER, { text: "Banyak tombol", entities: [] }));
    for (let i = 0; i < MAX_BUTTONS - 1; i++) await tap(OWNER, `bc:bc:${id}`);
    // The link step opens while there is room; a button another member adds meanwhile fills the last place.
    expect(texts(await tap(OWNER, `bc:bu:${id}`))).toEqual([t("bc-ask-button")]);
    await tap(HERALD, `bc:bc:${id}`);
    expect(((await broadcastRow(id)).buttons as unknown[]).length).toBe(MAX_BUTTONS);
    const tooMany = t("bc-content-too_many_buttons", { max: MAX_BUTTONS });
    // The typed line: why, once, and the step ends (the next line is not taken as a button).
    expect(texts(await send(OWNER, "Status | https://status.example.com"))).toEqual([tooMany]);
    expect(texts(await send(OWNER, "Lagi | https://status.example.com"))).not.toContain(tooMany);
    // Full: the buttons say so at once, and open no step.
    expect(alerts(await tap(OWNER, `bc:bc:${id}`))).toEqual([tooMany]);
    const link = await tap(OWNER, `bc:bu:${id}`);
    expect(alerts(link)).toEqual([tooMany]);
    expect(texts(link)).toEqual([]);
    expect(((await broadcastRow(id)).buttons as unknown[]).length).toBe(MAX_BUTTONS);
  });

  it("a caption over the limit is refused in words, with the limits", async () => {
    expect(texts(await tap(OWNER, "bc:new:s"))).toEqual([t("bc-ask-compose")]);
    const long = "x".repeat(MAX_CAPTION + 1);
    expect(texts(await run(message(OWNER, { caption: long, caption_entities: [], photo: ["p1"] })))).toEqual([t("bc-content-too_long", { text: MAX_TEXT, caption: MAX_CAPTION })]);
    expect(await h.prisma.broadcast.count({ where: { text: long } })).toBe(0);
  });

  it("an old draft button of a broadcast sent since opens no step: 'no longer a draft' and its progress card; a gone one shows the menu", async () => {
    const id = await toEveryone("s", "Sudah terkirim");
    await tap(OWNER, `bc:go:${id}`);
    for (const data of [`bc:bu:${id}`, `bc:sc:${id}`, `bc:as:${id}:exp`, `bc:au:${id}`, `bc:as:${id}:prov`, `bc:bc:${id}`, `bc:as:${id}:all`, `bc:pd:${id}`]) {
      const calls = await tap(OWNER, data);
      expect(alerts(calls), data).toEqual([t("bc-refused-not_draft")]);
      expect(texts(calls).join("\n"), data).toContain(t("bc-progress-title", { id: String(id), kind: t("bc-kind-service"), status: t("bc-status-sending") }));
      expect(texts(calls).some((x) => x.startsWith(t("bc-ask-button")) || x.startsWith(t("bc-ask-schedule")) || x.startsWith(t("bc-ask-days", { max: 90 }))), data).toBe(false);
    }
    // No step is waiting: a typed line changes nothing.
    await send(OWNER, "Status | https://status.example.com");
    expect((await broadcastRow(id)).buttons).toEqual([]);

    const gone = await tap(OWNER, "bc:sc:987654321");
    expect(alerts(gone)).toEqual([t("bc-refused-not_found")]);
    expect(texts(gone).join("\n")).toContain(t("bc-menu-title"));
  });

  it("a step whose draft is sent or discarded while the member types ends at the first answer, with the card as it is now", async () => {
    const { id } = await compose(OWNER, "p", message(OWNER, { text: "Dibuang saat mengetik", entities: [] }));
    expect(texts(await tap(OWNER, `bc:sc:${id}`))).toEqual([t("bc-ask-schedule")]);
    // Discarded from another chat (the member's step stays open).
    await tap(HERALD, `bc:cxy:${id}`);
    expect((await broadcastRow(id)).status).toBe("CANCELLED");
    const answer = texts(await send(OWNER, "besok 09:00"));
    expect(answer[0]).toBe(t("bc-refused-not_draft"));
    expect(answer.join("\n")).toContain(t("bc-progress-title", { id: String(id), kind: t("bc-kind-promo"), status: t("bc-status-cancelled") }));
    // Not asked again.
    expect(texts(await send(OWNER, "besok 10:00"))).not.toContain(t("bc-refused-not_draft"));
    expect((await broadcastRow(id)).scheduledAt).toBeNull();
  });

  it("every reason the domain can refuse with has its words in Bahasa Indonesia and English", () => {
    const keys = new Set<string>(Object.values(REFUSAL_KEYS).flatMap((group) => Object.values(group)));
    for (const lang of ["id", "en"]) {
      const ftl = readFileSync(new URL(`../../bot/locales/${lang}.broadcast.ftl`, import.meta.url), "utf8");
      const defined = new Set([...ftl.matchAll(/^([a-zA-Z0-9_-]+) =/gm)].map((m) => m[1]));
      expect([...keys].filter((k) => !defined.has(k)), lang).toEqual([]);
    }
    // The owner_only refusal at Confirm names the way out, not the paid switch.
    expect(REFUSAL_KEYS.confirm.owner_only).toBe("bc-confirm-refused-owner_only");
  });

  it("unsending a paused broadcast says it also cancels it; Resume after an unsend says why not", async () => {
    const id = await toEveryone("s", "Ditarik saat dijeda");
    await tap(OWNER, `bc:go:${id}`);
    const rows = await h.prisma.broadcastDelivery.findMany({ where: { broadcastId: id }, orderBy: { id: "asc" } });
    await h.prisma.broadcastDelivery.update({ where: { id: rows[0]!.id }, data: { status: "SENT", messageId: 999, sentAt: new Date() } });
    await tap(OWNER, `bc:pause:${id}`);
    const question = await tap(OWNER, `bc:unsend:${id}`);
    expect(texts(question).join("\n")).toContain(t("bc-ask-unsend-paused"));
    const unsent = texts(await tap(OWNER, `bc:uny:${id}`)).join("\n");
    expect(unsent).toContain(t("bc-unsending", { count: 1 }));
    expect(unsent).toContain(t("bc-unsend-cancelled"));
    expect((await broadcastRow(id)).status).toBe("CANCELLED");
    expect(texts(await tap(OWNER, `bc:resume:${id}`)).join("\n")).toContain(t("bc-resume-refused-unsent"));
    expect((await broadcastRow(id)).status).toBe("CANCELLED");
  });

  it("a member's tap redraws the progress message in its chat owner's language, the card behind the button in the member's", async () => {
    const id = await toEveryone("s", "Bahasa kartu");
    await tap(OWNER, `bc:go:${id}`);
    const row = await broadcastRow(id);
    const herald = await userId(HERALD);
    await h.prisma.user.update({ where: { id: herald }, data: { language: "en" } });
    await h.core.users.forget(HERALD.id);
    try {
      const calls = await tap(HERALD, `bc:pause:${id}`);
      const en = (key: string, vars?: Record<string, string | number>) => h.core.i18n.t("en", key, vars);
      const edits = calls.filter((c) => c.method === "editMessageText");
      const mine = edits.find((c) => c.payload.chat_id === HERALD.id || c.payload.chat_id === undefined);
      const theirs = edits.find((c) => c.payload.chat_id === OWNER.id && c.payload.message_id === row.progressMessageId);
      expect(String(mine?.payload.text ?? texts(calls)[0])).toContain(en("bc-progress-title", { id: String(id), kind: en("bc-kind-service"), status: en("bc-status-paused") }));
      expect(String(theirs?.payload.text)).toContain(t("bc-progress-title", { id: String(id), kind: t("bc-kind-service"), status: t("bc-status-paused") }));
    } finally {
      await h.prisma.user.update({ where: { id: herald }, data: { language: "id" } });
      await h.core.users.forget(HERALD.id);
    }
  });
});

describe("after a crash", () => {
  it("sending to the uncertain recipients asks first (they may get it twice), then starts a new run for them only", async () => {
    const id = await toEveryone("s", "Pengumuman setelah gangguan");
    await tap(OWNER, `bc:go:${id}`);
    const rows = await h.prisma.broadcastDelivery.findMany({ where: { broadcastId: id }, orderBy: { id: "asc" } });
    await h.prisma.broadcastDelivery.updateMany({ where: { id: { in: rows.slice(1).map((r) => r.id) } }, data: { status: "SENT", messageId: 888, sentAt: new Date() } });
    await h.prisma.broadcastDelivery.update({ where: { id: rows[0]!.id }, data: { status: "UNCERTAIN", error: "worker stopped" } });
    await h.prisma.broadcast.update({ where: { id }, data: { status: "DONE", finishedAt: new Date() } });

    const card = await tap(OWNER, `bc:v:${id}`);
    expect(lastButtons(card).map((b) => b.data)).toContain(`bc:resend:${id}`);
    const question = await tap(OWNER, `bc:resend:${id}`);
    expect(texts(question)).toEqual([t("bc-ask-resend-confirm", { id: String(id), uncertain: 1, sent: rows.length - 1 })]);
    expect((await broadcastRow(id)).status).toBe("DONE");
    const resent = await tap(OWNER, `bc:rsy:${id}`);
    expect(texts(resent).join("\n")).toContain(t("bc-resending", { count: 1 }));
    expect(await broadcastRow(id)).toMatchObject({ status: "SENDING", run: 2 });
    expect(await h.prisma.broadcastDelivery.count({ where: { broadcastId: id, status: "PENDING" } })).toBe(1);
    expect(alerts(await tap(OWNER, `bc:rsy:${id}`))).toEqual([t("bc-resend-refused-running")]);
  });
});

describe("the paid option", () => {
  it("is the owner's: the cost estimate first, then on; a member with broadcast.send sees its state but neither switches nor sends it", async () => {
    const id = await toEveryone("p", "Flash sale");
    const count = await countAudience(h.prisma, { kind: "ALL" }, "PROMO");
    const estimate = await tap(OWNER, `bc:pd:${id}`);
    expect(texts(estimate)).toEqual([t("bc-paid-estimate", { id: String(id), count, stars: paidCostStars(count) })]);
    expect((await broadcastRow(id)).paid).toBe(false);
    await tap(OWNER, `bc:pdy:${id}`);
    expect((await broadcastRow(id)).paid).toBe(true);

    const { id: heraldDraft, calls } = await compose(HERALD, "p", message(HERALD, { text: "Promo dari penyiar", entities: [] }));
    expect(lastButtons(calls).map((b) => b.data)).not.toContain(`bc:pd:${heraldDraft}`);
    expect(texts(calls).join("\n")).toContain(t("bc-draft-paid-off"));
    expect(alerts(await tap(HERALD, `bc:pdy:${heraldDraft}`))).toEqual([t("bc-refused-owner_only")]);
    expect((await broadcastRow(heraldDraft)).paid).toBe(false);

    // The owner's paid draft: the member sees it is paid and what it costs, without the switch…
    const card = await tap(HERALD, `bc:d:${id}`);
    expect(texts(card).join("\n")).toContain(t("bc-draft-paid-on", { stars: paidCostStars(count), count }));
    expect(lastButtons(card).map((b) => b.data)).not.toEqual(expect.arrayContaining([`bc:pdn:${id}`]));
    // …and cannot send it: asked to get the owner, at Send and (forged) at Confirm (the domain's owner_only).
    expect(alerts(await tap(HERALD, `bc:send:${id}`))).toEqual([t("bc-confirm-refused-owner_only")]);
    const forged = await tap(HERALD, `bc:go:${id}`);
    expect(alerts(forged)).toEqual([t("bc-confirm-refused-owner_only")]);
    expect(await broadcastRow(id)).toMatchObject({ status: "DRAFT", paid: true });
    expect(await h.prisma.broadcastDelivery.count({ where: { broadcastId: id } })).toBe(0);
  });
});

describe("who may broadcast", () => {
  it("a customer and a seller without broadcast.send are refused by command and by forged buttons; nothing changes", async () => {
    const id = await toEveryone("s", "Hanya staf");
    for (const intruder of [ANI, SELLER]) {
      expect(texts(await send(intruder, "/broadcast"))).toEqual([t("unknown-input")]);
      for (const data of [`bc:go:${id}`, `bc:pv:${id}`, `bc:d:${id}`, `bc:as:${id}:res`, "bc:new:p", `bc:pdy:${id}`]) {
        const calls = await tap(intruder, data);
        expect(alerts(calls), data).toEqual([t("stale-button")]);
        expect(calls.filter((c) => c.method !== "answerCallbackQuery"), data).toEqual([]);
      }
    }
    expect(await broadcastRow(id)).toMatchObject({ status: "DRAFT", audience: "ALL", paid: false });
    expect(await h.prisma.broadcastDelivery.count({ where: { broadcastId: id } })).toBe(0);
  });
});

describe("/settings", () => {
  it("a customer turns promos off (kept in Postgres, audited): promo audiences leave them out, service announcements do not", async () => {
    const promoBefore = await countAudience(h.prisma, { kind: "ALL" }, "PROMO");
    const serviceBefore = await countAudience(h.prisma, { kind: "ALL" }, "SERVICE");
    const screen = await send(CITRA, "/settings");
    expect(texts(screen)[0]).toContain(t("settings-promo-state-on"));
    expect(texts(screen)[0]).toContain(t("settings-service-note"));
    expect(lastButtons(screen).map((b) => b.data)).toEqual(["set:promo:off", "menu:language"]);

    const off = await tap(CITRA, "set:promo:off");
    expect(alerts(off)).toEqual([t("settings-promo-turned-off")]);
    expect(texts(off)[0]).toContain(t("settings-promo-state-off"));
    expect(lastButtons(off).map((b) => b.data)).toEqual(["set:promo:on", "menu:language"]);
    const citra = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(CITRA.id) } });
    expect(citra.promoOptOut).toBe(true);
    expect(await h.prisma.auditLog.count({ where: { action: "customer.settings", actorUserId: citra.id } })).toBe(1);

    expect(await countAudience(h.prisma, { kind: "ALL" }, "PROMO")).toBe(promoBefore - 1);
    expect(await countAudience(h.prisma, { kind: "ALL" }, "SERVICE")).toBe(serviceBefore);
    // The draft card counts the same way.
    const promo = await compose(OWNER, "p", message(OWNER, { text: "Promo tanpa Citra", entities: [] }));
    expect(texts(await tap(OWNER, `bc:as:${promo.id}:all`)).join("\n")).toContain(t("bc-draft-audience", { audience: t("bc-aud-ALL"), count: promoBefore - 1 }));
    const service = await compose(OWNER, "s", message(OWNER, { text: "Layanan untuk semua", entities: [] }));
    expect(texts(await tap(OWNER, `bc:as:${service.id}:all`)).join("\n")).toContain(t("bc-draft-audience", { audience: t("bc-aud-ALL"), count: serviceBefore }));

    // Back on: counted again; the screen (and the language switcher) stays the customer's own.
    await tap(CITRA, "set:promo:on");
    expect((await h.prisma.user.findUniqueOrThrow({ where: { id: citra.id } })).promoOptOut).toBe(false);
    expect(await countAudience(h.prisma, { kind: "ALL" }, "PROMO")).toBe(promoBefore);
    expect(texts(await tap(CITRA, "menu:language"))).toEqual([t("language-prompt")]);
    // The main menu's ⚙️ entry opens the same screen.
    expect(texts(await tap(CITRA, "menu:settings")).join("\n")).toContain(t("settings-title"));
  });
});

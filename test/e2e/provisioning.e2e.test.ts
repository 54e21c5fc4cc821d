/**
 * A paid VPS, end to end, on each cloud: the whole service in-process (web, bot, worker,
 * scheduler) with the customer and the seller chatting through the fake Telegram, the fake
 * Tripay sending signed callbacks to the real `/webhooks/tripay`, and the fake DigitalOcean,
 * Vultr and Linode creating, booting and rebooting servers (boots of ~100 ms here;
 * PROVISION_POLL_MS=100 so the provisioning job notices quickly).
 *
 * Per provider: order → QRIS → PAID → ACTIVE, ONE "VPS aktif" message whose password sits in
 * a spoiler entity and is the password the cloud received; /vps → detail → 🔄 Restart →
 * confirm → "✅ … selesai" (the cloud saw the reboot); a renewal reminder 3 days before
 * expiry → 🔁 Perpanjang → 1 month → QRIS → "diperpanjang sampai …" counted from the OLD
 * expiry. Then a sold-out create: PROVISIONING_FAILED, the customer told, the seller alerted,
 * `/retry` after the fault is cleared → ACTIVE with credentials. And another customer's
 * `vps:view:<id>` (or action / renew) is refused as "VPS tidak ditemukan."
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProviderCode } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { formatDate } from "../../shop/messages/format.js";
import { jobId, QueueName } from "../../jobs/queues.js";
import { tickId } from "../../jobs/scheduler.js";
import type { FakeCloud, FakeCloudServer } from "../../ops/fakes/clouds/index.js";
import type { FakeUser } from "../../ops/fakes/telegram/index.js";
import type { BotMessageState } from "../../ops/fakes/telegram/types.js";
import { scheduleTable } from "../../ops/runtime.js";
import { open, ready } from "../../shop/crypto/secretbox.js";
import { addMonths, orderTag } from "../../shop/provisioning/provision.js";
import { waitForIdleQueues } from "../support/quiet.js";
import { SELLER_ID, startTestService, type TestGateways, type TestService } from "../support/service.js";
import { acceptsRootPassword } from "../support/root-password.js";

let t: TestService;
let gw: TestGateways;
let seller: FakeUser;

const POLL_MS = 100;
beforeAll(async () => {
  t = await startTestService({
    gateways: true,
    clouds: true,
    // A customer here taps faster than any person could: lift the per-user anti-spam limit.
    env: { BOT_RATE_LIMIT_PER_10S: "1000", PROVISION_POLL_MS: String(POLL_MS) },
  });
  gw = t.gateways!;
  await seedDemoCatalog(t.service.prisma);
  // The seller opens the bot first, so the failure alert has a chat to land in.
  seller = t.fake.user(SELLER_ID, { firstName: "Penjual" });
  await seller.sendText("/start");
  await seller.waitForMessage(/Halo, Penjual!/, WAIT);
  expect((await t.service.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(SELLER_ID) } })).role).toBe("SELLER");
});
afterAll(async () => {
  await t?.stop();
});

/** Owner alerts are left out: the test owner never opened the chat, so they retry until they give up. */
const IDLE = { except: [QueueName.OwnerAlerts] };
const WAIT = { timeoutMs: 10_000 };
const SLOW = { timeoutMs: 20_000 };
const DAY = 86_400_000;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface Cloud {
  code: ProviderCode;
  providerButton: RegExp;
  planButton: RegExp;
  planName: string;
  region: string;
  size: string;
  fake: () => FakeCloud;
}

const CLOUDS: Cloud[] = [
  { code: "DIGITALOCEAN", providerButton: /^DigitalOcean \(/, planButton: /^DO Basic 1 GB · /, planName: "DO Basic 1 GB", region: "sgp1", size: "s-1vcpu-1gb", fake: () => t.clouds!.digitalocean },
  { code: "VULTR", providerButton: /^Vultr \(/, planButton: /^Vultr Cloud 1 GB · /, planName: "Vultr Cloud 1 GB", region: "sgp", size: "vc2-1c-1gb", fake: () => t.clouds!.vultr },
  { code: "LINODE", providerButton: /^Linode \(Akamai\) \(/, planButton: /^Linode Nanode 1 GB · /, planName: "Linode Nanode 1 GB", region: "ap-south", size: "g6-nanode-1", fake: () => t.clouds!.linode },
];

/** A customer who has opened the bot. */
async function customer(id: number, firstName: string): Promise<FakeUser> {
  const user = t.fake.user(id, { firstName, languageCode: "id" });
  await user.sendText("/start");
  await user.waitForMessage(`Halo, ${firstName}!`, WAIT);
  return user;
}

/** Orders the cloud's 1 GB plan for 1 month with Ubuntu 22.04 and no coupon, through the catalog buttons. */
async function orderVps(user: FakeUser, cloud: Cloud) {
  await user.sendText("/catalog");
  await user.waitForMessage(/Pilih penyedia cloud/, WAIT);
  await user.pressButton(cloud.providerButton);
  await user.waitForMessage(/pilih paket/, WAIT);
  await user.pressButton(cloud.planButton);
  await user.waitForMessage(/Pilih durasi sewa/, WAIT);
  await user.pressButton(/^1 bulan · /);
  await user.waitForMessage(/Pilih sistem operasi/, WAIT);
  await user.pressButton("Ubuntu 22.04 LTS");
  await user.waitForMessage(/Punya kode kupon\?/, WAIT);
  await user.pressButton("Lewati");
  await user.waitForMessage(/Ringkasan pesanan/, WAIT);
  await user.pressButton("✅ Konfirmasi pesanan");
  const created = await user.waitForMessage(/✅ Pesanan (ORD-\d{8}-[A-Z0-9]{5}) dibuat\./, WAIT);
  const reference = /(ORD-\d{8}-[A-Z0-9]{5})/.exec(created.text ?? "")![1]!;
  const order = await t.service.prisma.order.findUniqueOrThrow({ where: { reference } });
  expect(order).toMatchObject({ status: "PENDING_PAYMENT", kind: "NEW_VPS", providerCode: cloud.code, planName: cloud.planName, region: cloud.region, providerSizeSlug: cloud.size });
  await user.pressButton({ messageId: created.messageId, text: "💳 Bayar sekarang" });
  await user.waitForMessage(new RegExp(`Pilih cara bayar — pesanan ${esc(reference)}`), WAIT);
  return { order, reference };
}

/** On the methods screen: QRIS, the QR photo arrives, the fake Tripay pays and calls our webhook. */
async function payByQris(user: FakeUser, reference: string) {
  await user.pressButton(/^QRIS by ShopeePay · /);
  await user.waitFor((m) => m.media?.kind === "photo" && (m.caption ?? "").includes("QRIS — pindai kode QR ini"), WAIT);
  const tx = gw.tripay.transaction(reference)!;
  expect(tx).toMatchObject({ merchant_ref: reference, payment_method: "QRIS", status: "UNPAID" });
  const callback = await gw.tripay.pay(tx.reference);
  expect(callback.url).toBe(`${t.baseUrl}/webhooks/tripay`);
  expect(callback.status).toBe(200);
  return tx;
}

/** The one fake-cloud server carrying the order's tag. */
function serverOf(cloud: Cloud, reference: string): FakeCloudServer {
  const servers = cloud.fake().servers().filter((s) => s.tags.includes(orderTag(reference)));
  expect(servers).toHaveLength(1);
  return servers[0]!;
}

const vpsReady = (m: BotMessageState) => !m.deleted && /VPS aktif!/.test(m.text ?? "");

/**
 * Waits for the credentials message and checks it against the cloud and our database: the IP,
 * user root, the password only inside a spoiler entity and equal to the one the cloud received
 * (and to the sealed one we stored), exactly one such message, and its self-delete job queued.
 */
async function expectCredentials(user: FakeUser, cloud: Cloud, reference: string) {
  const msg = await user.waitFor(vpsReady, { ...SLOW, since: 0 });
  const order = await t.service.prisma.order.findUniqueOrThrow({ where: { reference }, include: { createdInstance: true } });
  expect(order.status).toBe("ACTIVE");
  const instance = order.createdInstance!;
  expect(instance).toMatchObject({ status: "ACTIVE", providerCode: cloud.code });
  const server = serverOf(cloud, reference);
  expect(server.ipv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(instance.ipv4).toBe(server.ipv4);
  expect(instance.providerInstanceId).toBe(server.id);

  const text = msg.text!;
  expect(text).toContain(`IP: ${server.ipv4}`);
  expect(text).toContain("Username: root");
  expect(text).toContain(`Paket: ${cloud.planName}`);
  expect(msg.entities?.filter((e) => e.type === "code").map((e) => text.slice(e.offset, e.offset + e.length))).toEqual([server.ipv4, "root"]);
  const spoilers = msg.entities?.filter((e) => e.type === "spoiler") ?? [];
  expect(spoilers).toHaveLength(1);
  const password = text.slice(spoilers[0]!.offset, spoilers[0]!.offset + spoilers[0]!.length);
  expect(password).toMatch(/^[A-Za-z][A-Za-z0-9\-_.+=@%]{23}$/);
  expect(text.indexOf(password)).toBe(spoilers[0]!.offset); // nowhere outside the spoiler
  expect(text.lastIndexOf(password)).toBe(spoilers[0]!.offset);
  expect(acceptsRootPassword(server, password)).toBe(true); // what the cloud was told (as text or as a hash)
  await ready();
  expect(new TextDecoder().decode(open(t.config.encryptionKey, new Uint8Array(instance.rootPasswordEnc!)))).toBe(password);
  // The detail button of the message opens this VPS.
  expect(msg.replyMarkup?.inline_keyboard.flat()).toEqual([expect.objectContaining({ text: "🖥 VPS saya", callback_data: `vps:view:${instance.id}` })]);

  // The message deletes itself after CREDENTIALS_MESSAGE_TTL_MINUTES (30): a delayed job.
  // (queued right after the send: wait for it, the message can arrive first)
  const notifications = t.service.queues.get(QueueName.Notifications);
  await expect.poll(() => notifications.getJobState(jobId("delete", user.id, msg.messageId)), { timeout: 10_000 }).toBe("delayed");
  const del = await notifications.getJob(jobId("delete", user.id, msg.messageId));
  expect(del?.opts.delay).toBe(30 * 60_000);
  expect(del?.data).toEqual({ chatId: user.id, deleteMessageId: msg.messageId });

  // Exactly one, and the "⏳ Menyiapkan VPS…" progress message (if one was shown) is gone.
  await waitForIdleQueues(t.service.queues, IDLE);
  expect(user.messages().filter((m) => /VPS aktif!/.test(m.text ?? ""))).toHaveLength(1);
  expect(user.messages().filter((m) => /Menyiapkan VPS…/.test(m.text ?? "") && !m.deleted)).toEqual([]);
  return { msg, instance, server, password };
}

/**
 * The DigitalOcean fake's action records (a reboot is `POST /v2/droplets/:id/actions {type}`, so
 * its path alone does not say which), read over its API: ids count up from 2 000 000 001.
 */
async function doActions(fake: FakeCloud, dropletId: string): Promise<Array<{ type: string; resource_id: number }>> {
  const out: Array<{ type: string; resource_id: number }> = [];
  for (let id = 2_000_000_001; id < 2_000_001_000; id++) {
    const res = await fetch(`${fake.url}/v2/actions/${id}`, { headers: { authorization: `Bearer ${fake.token}` } });
    if (res.status === 404) break;
    const { action } = (await res.json()) as { action: { type: string; resource_id: number } };
    if (String(action.resource_id) === dropletId) out.push(action);
  }
  return out;
}

/** Runs a scheduler entry exactly as its cron tick would (a fresh tick id each time). */
async function runScheduled(name: string) {
  const entry = scheduleTable(t.service.queues).find((e) => e.name === name)!;
  await entry.run(tickId(new Date(Date.now() + Math.random() * 1e9)));
}

/** VPSes created by the per-provider runs, for the refusal test. */
const created: Array<{ userId: number; instanceId: number; label: string; ip: string }> = [];

describe("provisioning end to end on each cloud (fake Telegram + fake Tripay + fake clouds)", () => {
  it.each(CLOUDS.map((c, i) => [c.code, c, i] as const))(
    "%s: pay → ACTIVE → one credentials message → restart from /vps → renewal reminder → renew from the old expiry",
    async (_code, cloud, i) => {
      const prisma = t.service.prisma;
      const user = await customer(8_300_001 + i, `Pelanggan${i}`);
      const { reference } = await orderVps(user, cloud);
      const creates = () => cloud.fake().requests().filter((r) => r.method === "POST" && /\/(droplets|instances)$/.test(r.path));
      const createsBefore = creates().length;
      await payByQris(user, reference);

      // ── PAID → PROVISIONING → ACTIVE, credentials once
      const { instance, server } = await expectCredentials(user, cloud, reference);
      expect(creates().length - createsBefore).toBe(1);
      const history = await prisma.orderStatusHistory.findMany({ where: { order: { reference } }, orderBy: { id: "asc" } });
      expect(history.map((h) => h.toStatus)).toEqual(["PENDING_PAYMENT", "PAID", "PROVISIONING", "ACTIVE"]);
      created.push({ userId: user.id, instanceId: instance.id, label: instance.label, ip: server.ipv4! });

      // ── /vps → the VPS → 🔄 Restart → confirm → done
      await user.sendText("/vps");
      const list = await user.waitForMessage(/🖥 VPS saya/, WAIT);
      expect(list.text).toContain(`${instance.label} · ${server.ipv4} · 🟢 menyala`);
      await user.pressButton(`${instance.label} · ${server.ipv4}`);
      const detail = await user.waitForMessage(/Aktif sampai:/, WAIT);
      expect(detail.text).toContain(`Status: 🟢 menyala\nIP: ${server.ipv4}\nPaket: ${cloud.planName}`);
      // Every demo plan is in Singapore; the chat names the region, not the provider's slug.
      expect(detail.text).toContain(`Lokasi: Singapura · ${cloud.code}`);
      await user.pressButton({ messageId: detail.messageId, text: "🔄 Restart" });
      const confirm = await user.waitForMessage(`Yakin 🔄 Restart untuk ${instance.label}?`, WAIT);
      expect(confirm.text).toContain("Server akan restart dan koneksi terputus sebentar.");
      expect(await prisma.instanceAction.count({ where: { instanceId: instance.id } })).toBe(0); // nothing before the second tap
      await user.pressButton({ messageId: confirm.messageId, text: "✅ Ya, lanjutkan" });
      await user.waitForMessage(`⏳ 🔄 Restart untuk ${instance.label} sedang diproses…`, WAIT);
      const done = await user.waitForMessage(`✅ 🔄 Restart untuk ${instance.label} selesai.`, SLOW);
      expect(done.replyMarkup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["🔃 Perbarui"]);
      const action = await prisma.instanceAction.findFirstOrThrow({ where: { instanceId: instance.id } });
      expect(action).toMatchObject({ type: "REBOOT", status: "DONE" });
      const posts = cloud.fake().requests().filter((r) => r.method === "POST" && r.path.includes(`/${server.id}/`));
      if (cloud.code === "DIGITALOCEAN") {
        expect(posts.map((r) => [r.path, r.status])).toEqual([[`/v2/droplets/${server.id}/actions`, 201]]);
        expect((await doActions(cloud.fake(), server.id)).map((a) => a.type)).toEqual(["create", "reboot"]);
      } else if (cloud.code === "VULTR") {
        expect(posts.map((r) => [r.path, r.status])).toEqual([[`/v2/instances/${server.id}/reboot`, 204]]);
      } else {
        expect(posts.map((r) => [r.path, r.status])).toEqual([[`/v4/linode/instances/${server.id}/reboot`, 200]]);
      }
      expect(await prisma.auditLog.count({ where: { action: "vps.reboot", targetId: String(instance.id) } })).toBe(1);

      // ── renewal: 3 days before expiry the reminder comes with a 🔁 Perpanjang button
      const oldExpiry = new Date(Date.now() + 3 * DAY);
      await prisma.instance.update({ where: { id: instance.id }, data: { expiresAt: oldExpiry } });
      const beforeReminder = user.mark();
      await runScheduled("renewal-reminders");
      const reminder = await user.waitForMessage(/⏰ VPS/, { ...WAIT, since: beforeReminder });
      expect(reminder.text).toBe(
        `⏰ VPS ${instance.label} (${server.ipv4}) habis pada ${formatDate(oldExpiry, "id")} (3 hari lagi). Perpanjang sekarang agar tidak terhenti.`,
      );
      expect(reminder.replyMarkup?.inline_keyboard.flat()).toEqual([expect.objectContaining({ text: "🔁 Perpanjang", callback_data: `renew:${instance.id}` })]);
      // The same sweep again does not remind twice.
      await runScheduled("renewal-reminders");

      await user.pressButton({ messageId: reminder.messageId, text: "🔁 Perpanjang" });
      const choose = await user.waitForMessage(/pilih durasi \(dihitung dari masa aktif sekarang/, WAIT);
      expect(choose.text).toContain(formatDate(oldExpiry, "id"));
      await user.pressButton(/^1 bulan · /);
      const methods = await user.waitForMessage(/Pilih cara bayar — pesanan (RNW-\d{8}-[A-Z0-9]{5})/, WAIT);
      const renewRef = /(RNW-\d{8}-[A-Z0-9]{5})/.exec(methods.text!)![1]!;
      const renewal = await prisma.order.findUniqueOrThrow({ where: { reference: renewRef } });
      expect(renewal).toMatchObject({ kind: "RENEWAL", status: "PENDING_PAYMENT", instanceId: instance.id, durationMonths: 1 });
      const beforePay = user.mark();
      await payByQris(user, renewRef);
      const renewed = await user.waitForMessage(/diperpanjang sampai/, { ...SLOW, since: beforePay });
      const newExpiry = addMonths(oldExpiry, 1);
      expect(renewed.text).toBe(`✅ ${instance.label} diperpanjang sampai ${formatDate(newExpiry, "id")}.`);
      // Counted from the OLD expiry, not from today.
      const after = await prisma.instance.findUniqueOrThrow({ where: { id: instance.id } });
      expect(after.expiresAt.getTime()).toBe(newExpiry.getTime());
      expect(after.expiresAt.getTime() - addMonths(new Date(), 1).getTime()).toBeGreaterThan(2.9 * DAY);
      expect(after.lastReminderDays).toBeNull();
      expect((await prisma.order.findUniqueOrThrow({ where: { id: renewal.id } })).status).toBe("ACTIVE");
      await user.waitForMessage(new RegExp(`Pembayaran pesanan ${esc(renewRef)} diterima`), { ...WAIT, since: beforePay });

      // One reminder sent (pressing its button turned that message into the renewal screens), one
      // renewal notice, still one credentials message, still one server.
      await waitForIdleQueues(t.service.queues, IDLE);
      const sent = t.fake.calls.filter((c) => c.method === "sendMessage" && Number(c.params.chat_id) === user.id).map((c) => String(c.params.text));
      expect(sent.filter((text) => text.startsWith("⏰ VPS"))).toHaveLength(1);
      expect(user.messages().filter((m) => /diperpanjang sampai/.test(m.text ?? ""))).toHaveLength(1);
      expect(user.messages().filter((m) => /VPS aktif!/.test(m.text ?? ""))).toHaveLength(1);
      serverOf(cloud, reference);
    },
    90_000,
  );

  it("another customer's vps:view / action / renew buttons are refused with 'VPS tidak ditemukan.'", async () => {
    expect(created.length).toBeGreaterThan(0);
    const victim = created[0]!;
    const stranger = await customer(8_300_101, "Penyusup");
    const anchor = stranger.lastMessage()!;
    const prisma = t.service.prisma;
    const actionsBefore = await prisma.instanceAction.count({ where: { instanceId: victim.instanceId } });
    const ordersBefore = await prisma.order.count({ where: { instanceId: victim.instanceId } });
    const strangerMark = stranger.mark();
    let n = 0;
    // Telegram only delivers callback data of buttons a user was shown; a tampered client (or a
    // stale forwarded keyboard) is simulated by pushing the raw callback_query for its own chat.
    for (const data of [`vps:view:${victim.instanceId}`, `vps:act:${victim.instanceId}:reboot`, `vps:do:${victim.instanceId}:reboot`, `renew:${victim.instanceId}`, `renew:do:${victim.instanceId}:1`]) {
      const id = `forged-${Date.now()}-${++n}`;
      const since = t.fake.calls.length;
      t.fake.pushUpdate({
        callback_query: { id, from: { id: stranger.id, is_bot: false, first_name: "Penyusup" }, message: anchor.message, chat_instance: `ci-${stranger.id}`, data },
      } as never);
      const answer = await t.fake.waitForCall("answerCallbackQuery", (c) => c.params.callback_query_id === id, { ...WAIT, since });
      expect(answer.params, data).toMatchObject({ text: "VPS tidak ditemukan.", show_alert: true });
    }
    // Updates of one chat are handled in order: once a later message is answered, the forged
    // buttons' handlers have finished, and every job they could have queued has run.
    const probe = stranger.mark();
    await stranger.sendText("halo");
    await stranger.waitForMessage(/Maaf, saya tidak mengerti/, { ...WAIT, since: probe });
    await waitForIdleQueues(t.service.queues, IDLE);
    // Nothing about the victim's server reached the stranger, and nothing happened to it.
    const seen = stranger.messages().filter((m) => m.seq > strangerMark).map((m) => m.text ?? m.caption ?? "");
    expect(seen.some((s) => s.includes(victim.label) || s.includes(victim.ip) || /Aktif sampai|Pilih cara bayar|Yakin/.test(s))).toBe(false);
    expect(await prisma.instanceAction.count({ where: { instanceId: victim.instanceId } })).toBe(actionsBefore);
    expect(await prisma.order.count({ where: { instanceId: victim.instanceId } })).toBe(ordersBefore);
  });

  it("a sold-out create: PROVISIONING_FAILED, customer told, seller alerted; /retry after the fault is cleared → ACTIVE with credentials", async () => {
    const prisma = t.service.prisma;
    const cloud = CLOUDS[0]!;
    const user = await customer(8_300_201, "Gagal");
    const { order, reference } = await orderVps(user, cloud);
    // The size sells out between the order and the payment: the create answers 422.
    cloud.fake().soldOut(cloud.region, cloud.size);
    const sellerMark = seller.mark();
    const failedPosts = () => cloud.fake().requests().filter((r) => r.method === "POST" && r.path === "/v2/droplets" && r.status === 422).length;
    const failedBefore = failedPosts();
    await payByQris(user, reference);

    const told = await user.waitForMessage(`⚠️ VPS untuk pesanan ${reference} gagal dibuat.`, { ...SLOW, since: 0 });
    expect(told.text).toContain("Penjual sudah diberi tahu");
    const failed = await prisma.order.findUniqueOrThrow({ where: { id: order.id }, include: { provisioningTask: true, createdInstance: true } });
    expect(failed.status).toBe("PROVISIONING_FAILED");
    expect(failed.provisioningTask).toMatchObject({ status: "FAILED", errorCode: "cloud_sold_out", attempts: 1 });
    expect(failed.createdInstance).toMatchObject({ status: "FAILED", providerInstanceId: null });
    expect(failedPosts() - failedBefore).toBe(1); // sold out is not retried blindly
    expect(cloud.fake().servers().filter((s) => s.tags.includes(orderTag(reference)))).toEqual([]);

    const alert = await seller.waitForMessage(`🚨 Provisioning gagal: ${reference}`, { ...WAIT, since: sellerMark });
    expect(alert.text).toMatch(/Penyebab: .*sold out/);
    expect(alert.text).toContain(`Coba lagi (/retry ${reference}) atau kembalikan dana ke saldo pelanggan (/refund ${reference}).`);
    expect(alert.replyMarkup?.inline_keyboard.flat()).toEqual([
      expect.objectContaining({ text: "🔁 Coba lagi", callback_data: `prov:retry:${order.id}` }),
      expect.objectContaining({ text: "💸 Refund ke saldo", callback_data: `prov:refund:${order.id}` }),
    ]);
    expect(user.messages().some(vpsReady)).toBe(false);

    // The customer cannot retry; the seller can, once the size is back.
    const refused = user.mark();
    await user.sendText(`/retry ${reference}`);
    await user.waitForMessage(/Maaf, saya tidak mengerti/, { ...WAIT, since: refused });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PROVISIONING_FAILED");

    cloud.fake().soldOut(cloud.region, cloud.size, false);
    await seller.sendText(`/retry ${reference}`);
    await seller.waitForMessage(`🔁 Provisioning ${reference} dijalankan lagi (percobaan 2).`, WAIT);
    const { instance } = await expectCredentials(user, cloud, reference);
    expect(instance.id).toBe(failed.createdInstance!.id); // the same row (and sealed password) carried on
    const history = await prisma.orderStatusHistory.findMany({ where: { orderId: order.id }, orderBy: { id: "asc" } });
    expect(history.map((h) => [h.toStatus, h.actorType])).toEqual([
      ["PENDING_PAYMENT", "CUSTOMER"],
      ["PAID", "GATEWAY"],
      ["PROVISIONING", "SYSTEM"],
      ["PROVISIONING_FAILED", "SYSTEM"],
      ["PROVISIONING", "SELLER"],
      ["ACTIVE", "SYSTEM"],
    ]);
    const sellerRow = await prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(SELLER_ID) } });
    const audits = await prisma.auditLog.findMany({ where: { action: "provisioning.retry", targetId: String(order.id) } });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorUserId: sellerRow.id, actorType: "SELLER" });
    expect((await prisma.provisioningTask.findUniqueOrThrow({ where: { orderId: order.id } })).status).toBe("DONE");
    // One failure notice, one alert per reviewer chat, no second alert after the successful retry;
    // the alert is a staff card, edited after the retry to say who retried it (its buttons gone).
    await waitForIdleQueues(t.service.queues, IDLE);
    expect(user.messages().filter((m) => /gagal dibuat/.test(m.text ?? ""))).toHaveLength(1);
    const alerts = seller.messages().filter((m) => (m.text ?? "").includes(`Provisioning gagal: ${reference}`));
    expect(alerts.map((m) => m.messageId)).toEqual([alert.messageId]);
    expect(alerts[0]!.text).toMatch(/🔁 Dicoba lagi oleh Penjual \d\d:\d\d/);
  }, 60_000);
});

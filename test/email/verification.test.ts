/**
 * Confirming an email address with a code (shop/email/verification.ts) on real Postgres, the
 * code mailed through the real nodemailer transport to a local SMTP server and read back from it.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { CODE_TTL_MS, MAX_CODES_PER_HOUR, VERIFICATION_RETENTION_MS, confirmCode, emailState, parseEmailAddress, purgeEmailVerifications, removeEmail, requestCode, type VerificationDeps } from "../../shop/email/verification.js";
import type { TestDatabase } from "../support/db.js";
import { userRow } from "../support/factories.js";
import { codeIn, to, type SmtpSink } from "./smtp-sink.js";
import { emailTestbed } from "./testbed.js";

const bed = emailTestbed();
let db: TestDatabase;
let sink: SmtpSink;
let deps: VerificationDeps;

beforeAll(() => {
  ({ db, sink } = bed);
  deps = { prisma: db.prisma, mailer: bed.mailer, t: bed.t, secret: randomBytes(32), shopName: "Toko VPS" };
});

let seq = 0;
/** A fresh customer and an address of theirs; `at` is the clock the rules see. */
async function customer() {
  seq += 1;
  const user = await userRow(db.prisma, 6_600_000 + seq);
  return { userId: user.id, email: `pelanggan${seq}@contoh.test` };
}
const at = (base: Date, ms: number) => ({ ...deps, now: () => new Date(base.getTime() + ms) });

describe("parseEmailAddress", () => {
  it("takes a plain address (trimmed, lower-cased) and refuses anything else with a reason", () => {
    expect(parseEmailAddress("  Budi.Santoso+vps@Contoh.CO.id ")).toEqual({ ok: true, email: "budi.santoso+vps@contoh.co.id" });
    for (const bad of ["budi", "budi@", "@contoh.com", "budi@contoh", "bu di@contoh.com", "budi@@contoh.com", "budi..x@contoh.com", "<b>@contoh.com", "budi@-contoh.com"]) {
      expect(parseEmailAddress(bad), bad).toEqual({ ok: false, reason: "invalid" });
    }
    expect(parseEmailAddress(`${"a".repeat(60)}@${"b".repeat(200)}.com`)).toEqual({ ok: false, reason: "too_long" });
  });
});

describe("a code mailed and typed back", () => {
  it("mails a 6-digit code, stores only its HMAC, and confirms the address with it (audited)", async () => {
    const c = await customer();
    const sent = await requestCode(deps, { userId: c.userId, email: c.email, locale: "id" });
    expect(sent).toMatchObject({ status: "sent", email: c.email });
    const mail = await sink.waitFor(to(c.email));
    const code = codeIn(mail);
    expect(mail.subject).toBe(`${code} adalah kode konfirmasi Toko VPS Anda`);
    expect(mail.text).toContain("Berlaku 15 menit");
    expect(mail.html).toContain(code);

    const row = await db.prisma.emailVerification.findFirstOrThrow({ where: { userId: c.userId } });
    expect(row.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.codeHash).not.toContain(code);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(CODE_TTL_MS);
    const requested = await db.prisma.auditLog.findFirstOrThrow({ where: { action: "email.code_sent", targetId: String(c.userId) } });
    expect(JSON.stringify(requested.details)).not.toContain(code);

    const wrong = code === "000000" ? "111111" : "000000";
    expect(await confirmCode(deps, { userId: c.userId, code: wrong })).toEqual({ status: "wrong", attemptsLeft: 4 });
    expect(await confirmCode(deps, { userId: c.userId, code })).toEqual({ status: "confirmed", email: c.email, previous: null });
    const user = await db.prisma.user.findUniqueOrThrow({ where: { id: c.userId } });
    expect(user.email).toBe(c.email);
    expect(user.emailVerifiedAt).toBeInstanceOf(Date);
    expect((await db.prisma.auditLog.findFirstOrThrow({ where: { action: "email.confirmed", targetId: String(c.userId) } })).details).toEqual({ before: null, after: c.email });
    // Used once: the same code again confirms nothing.
    expect(await confirmCode(deps, { userId: c.userId, code })).toEqual({ status: "expired" });
    // The same address again needs no code.
    expect(await requestCode(at(new Date(), 120_000), { userId: c.userId, email: c.email, locale: "id" })).toEqual({ status: "same_address" });
  });

  it("locks the code after 5 wrong tries: even the right code no longer works", async () => {
    const c = await customer();
    await requestCode(deps, { userId: c.userId, email: c.email, locale: "en" });
    const mail = await sink.waitFor(to(c.email));
    expect(mail.subject).toMatch(/^\d{6} is your Toko VPS confirmation code$/);
    const code = codeIn(mail);
    const wrong = code === "000000" ? "111111" : "000000";
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await confirmCode(deps, { userId: c.userId, code: wrong }));
    expect(answers.map((a) => ("attemptsLeft" in a ? a.attemptsLeft : a.status))).toEqual([4, 3, 2, 1, "locked"]);
    expect(await confirmCode(deps, { userId: c.userId, code })).toEqual({ status: "locked" });
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: c.userId } })).emailVerifiedAt).toBeNull();
  });

  it("refuses a code after 15 minutes", async () => {
    const c = await customer();
    const t0 = new Date();
    await requestCode(at(t0, 0), { userId: c.userId, email: c.email, locale: "id" });
    const code = codeIn(await sink.waitFor(to(c.email)));
    expect(await confirmCode(at(t0, CODE_TTL_MS + 1), { userId: c.userId, code })).toEqual({ status: "expired" });
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: c.userId } })).email).toBeNull();
  });

  it("sends a new code at most once a minute and 5 an hour; only the newest code works", async () => {
    const c = await customer();
    const t0 = new Date(Date.now() - 3 * 3600_000);
    expect(await requestCode(at(t0, 0), { userId: c.userId, email: c.email, locale: "id" })).toMatchObject({ status: "sent" });
    const first = codeIn(await sink.waitFor(to(c.email)));
    expect(await requestCode(at(t0, 30_000), { userId: c.userId, locale: "id" })).toEqual({ status: "wait", retryAfterS: 30 });
    expect(await requestCode(at(t0, 61_000), { userId: c.userId, locale: "id" })).toMatchObject({ status: "sent", email: c.email });
    await sink.waitFor((m) => to(c.email)(m) && codeIn(m) !== first);
    const mails = sink.mails.filter(to(c.email));
    const second = codeIn(mails[mails.length - 1]!);
    if (second !== first) expect(await confirmCode(at(t0, 62_000), { userId: c.userId, code: first })).toMatchObject({ status: "wrong" });
    for (let i = 2; i < MAX_CODES_PER_HOUR; i++) expect(await requestCode(at(t0, i * 61_000), { userId: c.userId, locale: "id" })).toMatchObject({ status: "sent" });
    expect(await requestCode(at(t0, 10 * 61_000), { userId: c.userId, locale: "id" })).toEqual({ status: "too_many" });
    // An hour after the first ones, codes may be asked for again.
    expect(await requestCode(at(t0, 3600_000 + 61_000), { userId: c.userId, email: c.email, locale: "id" })).toMatchObject({ status: "sent" });
  });

  it("says so when the mail server refuses, and that code never works", async () => {
    const c = await customer();
    sink.refuseNext(1, 550, "5.1.1 mailbox unavailable");
    const sent = await requestCode(deps, { userId: c.userId, email: c.email, locale: "id" });
    expect(sent.status).toBe("send_failed");
    expect(await emailState(db.prisma, c.userId)).toEqual({ confirmed: null, pending: null });
  });

  it("without SMTP nothing is stored or sent", async () => {
    const c = await customer();
    expect(await requestCode({ ...deps, mailer: undefined }, { userId: c.userId, email: c.email, locale: "id" })).toEqual({ status: "disabled" });
    expect(await db.prisma.emailVerification.count({ where: { userId: c.userId } })).toBe(0);
  });
});

describe("removing the address", () => {
  it("clears it (audited with the old address) and kills a code in progress", async () => {
    const c = await customer();
    const t0 = new Date(Date.now() - 600_000);
    await requestCode(at(t0, 0), { userId: c.userId, email: c.email, locale: "id" });
    await confirmCode(deps, { userId: c.userId, code: codeIn(await sink.waitFor(to(c.email))) });
    await requestCode(at(t0, 120_000), { userId: c.userId, email: `baru-${c.email}`, locale: "id" });
    expect((await emailState(db.prisma, c.userId)).pending?.email).toBe(`baru-${c.email}`);

    expect(await removeEmail(deps, c.userId)).toEqual({ status: "removed", email: c.email });
    expect(await emailState(db.prisma, c.userId)).toEqual({ confirmed: null, pending: null });
    expect((await db.prisma.auditLog.findFirstOrThrow({ where: { action: "email.removed", targetId: String(c.userId) } })).details).toEqual({ before: c.email });
    expect(await removeEmail(deps, c.userId)).toEqual({ status: "none" });
  });
});

describe("retention", () => {
  it("the daily run deletes code rows older than a month, and only those", async () => {
    const c = await customer();
    const old = new Date(Date.now() - VERIFICATION_RETENTION_MS - 3600_000);
    await requestCode(at(old, 0), { userId: c.userId, email: c.email, locale: "id" });
    await requestCode(deps, { userId: c.userId, email: c.email, locale: "id" });
    expect(await db.prisma.emailVerification.count({ where: { userId: c.userId } })).toBe(2);
    expect(await purgeEmailVerifications(db.prisma)).toBeGreaterThanOrEqual(1);
    expect(await db.prisma.emailVerification.findMany({ where: { userId: c.userId }, select: { createdAt: true } })).toEqual([{ createdAt: expect.any(Date) }]);
    expect((await db.prisma.emailVerification.findFirstOrThrow({ where: { userId: c.userId } })).createdAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});

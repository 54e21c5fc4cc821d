/**
 * The doctor's email line (shop/doctor/email.check.ts) against real SMTP servers on loopback:
 * without SMTP_URL a PASS saying email copies are off; a server that answers EHLO passes; one
 * with AUTH passes with the right credentials and FAILs with the fix for wrong ones; a closed port
 * and a server that never greets FAIL within the timeout. No line ever shows the password.
 */
import net, { type AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailChecks } from "../../shop/doctor/email.check.js";
import { DOCTOR_CHECKS, formatDoctorTable } from "../../shop/doctor/index.js";
import type { DoctorContext, DoctorResult } from "../../shop/doctor/types.js";
import { startSmtpSink, type SmtpSink } from "../email/smtp-sink.js";

const USER = "shop";
const PASSWORD = "Sup3r-s3cret!pw";
const WRONG = "Wr0ng-s3cret!pw";

let sink: SmtpSink;
let authServer: SMTPServer;
let authPort: number;
let silent: net.Server;
let silentPort: number;

beforeAll(async () => {
  sink = await startSmtpSink();
  authServer = new SMTPServer({
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: USER });
      callback(Object.assign(new Error("5.7.8 authentication failed"), { responseCode: 535 }));
    },
  });
  await new Promise<void>((resolve) => authServer.listen(0, "127.0.0.1", () => resolve()));
  authServer.on("error", () => undefined);
  authPort = (authServer.server.address() as AddressInfo).port;
  // Accepts the connection and never says a word (no 220 greeting).
  silent = net.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
  silentPort = (silent.address() as AddressInfo).port;
});
afterAll(async () => {
  await sink?.stop();
  await new Promise<void>((resolve) => (authServer ? authServer.close(() => resolve()) : resolve()));
  silent?.close();
});

async function check(smtpUrl: string | undefined, timeoutMs = 3_000): Promise<DoctorResult> {
  const ctx = { config: smtpUrl ? { email: { smtpUrl, from: "shop@example.com" } } : {}, timeoutMs } as unknown as DoctorContext;
  const lines = await emailChecks(ctx);
  expect(lines).toHaveLength(1);
  // Whatever happens, the table shows neither password.
  const table = formatDoctorTable(lines);
  expect(table).not.toContain(PASSWORD);
  expect(table).not.toContain(WRONG);
  expect(table).not.toContain(encodeURIComponent(PASSWORD));
  return lines[0]!;
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe("doctor: email", () => {
  it("is one of the doctor's groups", () => {
    expect(DOCTOR_CHECKS.map(([group]) => group)).toContain("email");
  });

  it("without SMTP_URL: a PASS saying email copies are off", async () => {
    expect(await check(undefined)).toMatchObject({ status: "PASS", detail: expect.stringMatching(/SMTP_URL not set: email copies are off/) });
  });

  it("a server that answers EHLO passes", async () => {
    expect(await check(sink.url)).toMatchObject({ status: "PASS", detail: `smtp://127.0.0.1:${sink.port} answers EHLO (no credentials in SMTP_URL)` });
  });

  it("with credentials: PASS when the server accepts them, FAIL with the fix when it refuses", async () => {
    expect(await check(`smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${authPort}`)).toMatchObject({
      status: "PASS",
      detail: `smtp://127.0.0.1:${authPort} answers EHLO and accepts the credentials`,
    });
    const refused = await check(`smtp://${USER}:${encodeURIComponent(WRONG)}@127.0.0.1:${authPort}`);
    expect(refused).toMatchObject({ status: "FAIL", detail: expect.stringMatching(/refused the credentials/), fix: expect.stringMatching(/password in SMTP_URL/) });
    expect(refused.detail).not.toContain(USER + ":");
  });

  it("a closed port and a server that never greets FAIL with the fix", async () => {
    const port = await closedPort();
    expect(await check(`smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`)).toMatchObject({
      status: "FAIL",
      detail: expect.stringMatching(new RegExp(`^smtp://127\\.0\\.0\\.1:${port} not reachable: .*ECONNREFUSED`)),
      fix: expect.stringMatching(/host and port in SMTP_URL/),
    });
    expect(await check(`smtp://127.0.0.1:${silentPort}`, 1_000)).toMatchObject({ status: "FAIL", detail: expect.stringMatching(/not reachable/) });
  });
});

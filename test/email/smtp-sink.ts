/**
 * A real SMTP server on loopback (smtp-server) that keeps every message it accepts, parsed with
 * mailparser: what the shop's nodemailer transport sends is read back the way a mail client
 * would. `refuseNext` answers the next messages with an SMTP error reply instead.
 */
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface SmtpSink {
  /** SMTP_URL for the service under test. */
  url: string;
  port: number;
  mails: ParsedMail[];
  /** The first mail (already received or arriving within `timeoutMs`) that `match` accepts. */
  waitFor(match: (mail: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  /** The next `count` messages get this reply (e.g. 451 try later, 550 no such mailbox). */
  refuseNext(count: number, responseCode: number, message?: string): void;
  /** Refuses this recipient at RCPT TO with 550, as a server does for a mailbox that does not exist. */
  refuseRecipient(address: string): void;
  stop(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ParsedMail[] = [];
  const waiters = new Set<() => void>();
  let refuse: { count: number; responseCode: number; message: string } | undefined;
  const refusedRecipients = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refusedRecipients.has(address.address.toLowerCase())) return callback(Object.assign(new Error("5.1.1 no such mailbox"), { responseCode: 550 }));
      callback();
    },
    onData(stream, _session, callback) {
      const refusal = refuse && refuse.count > 0 ? refuse : undefined;
      if (refusal) refusal.count -= 1;
      simpleParser(stream).then(
        (mail) => {
          if (refusal) return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.responseCode }));
          mails.push(mail);
          for (const wake of waiters) wake();
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  server.on("error", () => undefined);
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    waitFor(match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = mails.find(match);
          if (!hit) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms (got ${mails.length}: ${mails.map((m) => m.subject).join(" | ")})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    refuseNext(count, responseCode, message = "refused by the test") {
      refuse = { count, responseCode, message };
    },
    refuseRecipient(address) {
      refusedRecipients.add(address.toLowerCase());
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The 6-digit code in a confirmation email. */
export function codeIn(mail: ParsedMail): string {
  const m = /\b(\d{6})\b/.exec(mail.text ?? "");
  if (!m) throw new Error(`no code in mail: ${mail.subject}`);
  return m[1]!;
}

/** Mail addressed to `to`. */
export const to = (address: string) => (mail: ParsedMail) => {
  const value = Array.isArray(mail.to) ? mail.to.flatMap((a) => a.value) : (mail.to?.value ?? []);
  return value.some((a) => a.address === address);
};

import nodemailer from "nodemailer";
import type { Config } from "../platform/config.js";

/** One email as the shop sends it: plain text plus a simple HTML part, optional attachments. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: Array<{ filename: string; content: Buffer; contentType: string }>;
}

/** What the rest of the shop needs of SMTP: send one email, get the server's Message-ID back. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

/**
 * Timeouts on every stage of an SMTP session (nodemailer's defaults are 2 min for the
 * connection and 10 min of socket inactivity): a mail server that hangs must not hold a
 * worker or a chat step for minutes. Small enough for a chat step, large enough for a slow relay.
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000, dnsTimeout: 10_000 } as const;

/**
 * nodemailer's options for `SMTP_URL`: the URL (smtps:// is TLS from the start, smtp:// upgrades
 * with STARTTLS when the server offers it) and the timeouts. A password sent over smtp:// to
 * another machine must not travel in clear text because a server (or someone in between) left
 * STARTTLS out: then STARTTLS is required (`?requireTLS=false` in the URL still overrides it).
 */
export function transportOptions(email: NonNullable<Config["email"]>) {
  const url = new URL(email.smtpUrl);
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  const requireTLS = url.protocol === "smtp:" && url.username !== "" && !loopback;
  return { url: email.smtpUrl, ...SMTP_TIMEOUTS, ...(requireTLS ? { requireTLS } : {}) };
}

/** An SMTP mailer for `SMTP_URL` (smtp:// or smtps://, credentials in the URL). */
export function createMailer(email: NonNullable<Config["email"]>): Mailer {
  const transport = nodemailer.createTransport(transportOptions(email));
  return {
    async send(message) {
      const info = await transport.sendMail({ from: email.from, ...message });
      return { messageId: String(info.messageId) };
    },
  };
}

const mailers = new WeakMap<Config, Mailer>();

/**
 * The process's mailer for this configuration, or undefined when SMTP_URL is not set (the
 * email option is then hidden and nothing is sent). One per Config object: the bot and the
 * worker each ask for it where they need it, without another field threaded through every
 * dependency list; the transport holds no open connection between sends.
 */
export function mailerFor(config: Config): Mailer | undefined {
  if (!config.email) return undefined;
  let mailer = mailers.get(config);
  if (!mailer) {
    mailer = createMailer(config.email);
    mailers.set(config, mailer);
  }
  return mailer;
}

/**
 * Whether a send failure is final: the server refused the message or the address for good
 * (a 5xx reply, e.g. 550 no such mailbox). Connection failures, timeouts and 4xx replies pass.
 */
export function isPermanentSmtpError(err: unknown): boolean {
  const code = (err as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === "number" && code >= 500 && code < 600;
}

/**
 * Whether the server refused the customer's address for good (a 5xx to RCPT TO: no such mailbox,
 * domain gone): the address is the customer's to fix, not the shop's SMTP settings.
 */
export function isRecipientRefusal(err: unknown): boolean {
  const command = (err as { command?: unknown } | null)?.command;
  return isPermanentSmtpError(err) && typeof command === "string" && command.toUpperCase().startsWith("RCPT");
}

/**
 * An SMTP error as it may be stored or logged: the server's reply or the error's message,
 * without anything that looks like credentials of a URL, cut to a readable length.
 */
export function smtpErrorText(err: unknown): string {
  const e = err as { response?: unknown; message?: unknown; code?: unknown } | null;
  const text = typeof e?.response === "string" ? e.response : typeof e?.message === "string" ? e.message : String(err);
  const code = typeof e?.code === "string" ? `${e.code}: ` : "";
  return `${code}${text}`.replace(/\/\/[^@\s/]*@/g, "//***@").slice(0, 500);
}

import nodemailer from "nodemailer";
import { withTimeout } from "../maintenance/timeout.js";
import { transportOptions } from "../email/transport.js";
import { fail, pass, warn, type DoctorCheck } from "./types.js";

const NAME = "email (SMTP)";

/**
 * Email copies (shop/email/): without SMTP_URL they are off, which is a choice, not a fault. With
 * it, the server must answer EHLO and, when the URL carries credentials, accept them (nodemailer's
 * transporter.verify(): connect, EHLO, STARTTLS when offered or required, AUTH), within the
 * doctor's timeout. The line names the server as scheme://host:port only: never the user or password.
 */
export const emailChecks: DoctorCheck = async ({ config, timeoutMs }) => {
  if (!config.email) return [pass(NAME, "SMTP_URL not set: email copies are off (the /settings email option is hidden)")];
  const url = new URL(config.email.smtpUrl);
  const password = decodeURIComponent(url.password);
  const withAuth = url.username !== "";
  const server = `${url.protocol}//${url.hostname}:${url.port || (url.protocol === "smtps:" ? "465" : "587")}`;
  const stage = Math.max(1_000, timeoutMs);
  const transport = nodemailer.createTransport({ ...transportOptions(config.email), connectionTimeout: stage, greetingTimeout: stage, socketTimeout: stage, dnsTimeout: stage });
  try {
    await withTimeout(transport.verify(), stage + 1_000);
    return [pass(NAME, `${server} answers EHLO${withAuth ? " and accepts the credentials" : " (no credentials in SMTP_URL)"}`)];
  } catch (err) {
    const e = err as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };
    let text = (typeof e.response === "string" ? e.response : typeof e.message === "string" ? e.message : String(err)).split("\n")[0]!.trim();
    text = text.replace(/\/\/[^@\s/]*@/g, "//***@");
    if (password) text = text.split(password).join("***");
    text = text.slice(0, 160);
    if (e.code === "EAUTH") return [fail(NAME, `${server} refused the credentials: ${text}`, "Check the user name and password in SMTP_URL (URL-encode special characters), then run the doctor again.")];
    if (typeof e.responseCode === "number" && e.responseCode >= 400 && e.responseCode < 500) {
      return [warn(NAME, `${server} answered a temporary refusal: ${text}`, "The mail server is busy or limiting us; run the doctor again later, and ask the provider if it stays.")];
    }
    if (e.code === "ETLS" || /certificate|tls|ssl/i.test(text)) {
      return [fail(NAME, `${server}: TLS failed: ${text}`, "Use smtps:// for port 465 and smtp:// (STARTTLS) for 587; check the server's certificate.")];
    }
    return [fail(NAME, `${server} not reachable: ${text}`, "Check the host and port in SMTP_URL and that this machine may connect to it (firewall, provider blocking port 25/587).")];
  } finally {
    transport.close();
  }
};

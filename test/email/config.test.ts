/**
 * SMTP_URL / EMAIL_FROM as the operator writes them: optional, checked at start with a line that
 * names the variable (never its value), the SMTP password kept out of every log line, and the
 * transport's options (timeouts, no password in clear text).
 */
import { describe, expect, it } from "vitest";
import { SMTP_TIMEOUTS, transportOptions } from "../../shop/email/transport.js";
import { ConfigError, loadConfig } from "../../shop/platform/config.js";
import { configSecrets, createScrubber } from "../../shop/platform/logger.js";

const valid = {
  TELEGRAM_BOT_TOKEN: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x",
  REDIS_URL: "redis://127.0.0.1:6379",
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...valid, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("email configuration", () => {
  it("is off without SMTP_URL", () => {
    expect(loadConfig(valid).email).toBeUndefined();
    expect(loadConfig({ ...valid, SMTP_URL: "  ", EMAIL_FROM: "" }).email).toBeUndefined();
  });

  it("takes smtp:// and smtps:// URLs; From defaults to the shop's name at the SMTP host", () => {
    expect(loadConfig({ ...valid, SMTP_URL: "smtps://toko:p%40ss@mail.contoh.id:465" }).email).toEqual({ smtpUrl: "smtps://toko:p%40ss@mail.contoh.id:465", from: '"Toko VPS" <noreply@mail.contoh.id>' });
    expect(loadConfig({ ...valid, SMTP_URL: "smtp://127.0.0.1:2525", EMAIL_FROM: '"Toko VPS" <halo@contoh.id>' }).email?.from).toBe('"Toko VPS" <halo@contoh.id>');
  });

  it("refuses other URLs and From values with one line naming the variable, never the value", () => {
    const lines = problems({ SMTP_URL: "https://user:hunter2secret@mail.contoh.id", EMAIL_FROM: "not an address" });
    expect(lines).toEqual([expect.stringMatching(/^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/), expect.stringMatching(/^EMAIL_FROM: must be an address/)]);
    expect(lines.join("\n")).not.toContain("hunter2secret");
    expect(problems({ SMTP_URL: "smtp://" })).toEqual([expect.stringMatching(/^SMTP_URL: /)]);
  });

  it("counts the SMTP password (as written and decoded) among the secrets scrubbed from logs", () => {
    const config = loadConfig({ ...valid, SMTP_URL: "smtps://toko:s3cret%2Fpass@mail.contoh.id:465" });
    expect(configSecrets(config)).toEqual(expect.arrayContaining(["s3cret%2Fpass", "s3cret/pass"]));
    const scrub = createScrubber(configSecrets(config));
    expect(scrub("auth failed for s3cret/pass")).not.toContain("s3cret/pass");
  });

  it("gives nodemailer timeouts, and requires STARTTLS for a password sent over smtp:// to another host", () => {
    const from = "toko@contoh.id";
    expect(transportOptions({ smtpUrl: "smtps://u:p@mail.contoh.id:465", from })).toEqual({ url: "smtps://u:p@mail.contoh.id:465", ...SMTP_TIMEOUTS });
    expect(transportOptions({ smtpUrl: "smtp://u:p@mail.contoh.id:587", from })).toMatchObject({ requireTLS: true, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
    expect(transportOptions({ smtpUrl: "smtp://mail.contoh.id:25", from })).not.toHaveProperty("requireTLS");
    expect(transportOptions({ smtpUrl: "smtp://u:p@127.0.0.1:2525", from })).not.toHaveProperty("requireTLS");
  });
});

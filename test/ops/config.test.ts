import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../shop/platform/config.js";

const valid = {
  TELEGRAM_BOT_TOKEN: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x",
  REDIS_URL: "redis://127.0.0.1:6379",
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("config", () => {
  it("starts with only the required variables and documented defaults", () => {
    const config = loadConfig(valid);
    expect(config.telegram).toMatchObject({ apiRoot: "https://api.telegram.org", mode: "polling" });
    expect(config.http).toEqual({ host: "127.0.0.1", port: 3000, trustedProxies: [] });
    expect(config.tripay).toBeUndefined();
    expect(config.midtrans).toBeUndefined();
    expect(config.providers).toEqual({ digitalocean: undefined, vultr: undefined, linode: undefined });
    expect(config.encryptionKey).toHaveLength(32);
  });

  it("reports one line per bad variable, naming it, and never the value", () => {
    const secret = "999:SUPERSECRETTOKENVALUE-but-malformed!!";
    const lines = problems({ TELEGRAM_BOT_TOKEN: secret, HTTP_PORT: "99999", DATA_ENCRYPTION_KEY: "c2hvcnQ=", BOT_MODE: "webhook" });
    expect(lines).toEqual([
      expect.stringMatching(/^TELEGRAM_BOT_TOKEN: /),
      "DATABASE_URL: is required",
      "REDIS_URL: is required",
      expect.stringMatching(/^HTTP_PORT: must be a port number/),
      expect.stringMatching(/^DATA_ENCRYPTION_KEY: must be 32 random bytes/),
      "PUBLIC_BASE_URL: is required when BOT_MODE=webhook",
      "TELEGRAM_WEBHOOK_SECRET: is required when BOT_MODE=webhook",
    ]);
    expect(lines.join("\n")).not.toContain("SUPERSECRET");
    expect(lines.join("\n")).not.toContain("c2hvcnQ=");
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ ...valid, HTTP_PORT: "", TRIPAY_API_KEY: "", BOT_MODE: "" }).http.port).toBe(3000);
  });

  it("needs all Tripay credentials or none, and enables only what is configured", () => {
    expect(problems({ ...valid, TRIPAY_API_KEY: "k" })).toEqual([
      "TRIPAY_PRIVATE_KEY: is required when any TRIPAY_* credential is set",
      "TRIPAY_MERCHANT_CODE: is required when any TRIPAY_* credential is set",
    ]);
    const config = loadConfig({ ...valid, TRIPAY_API_KEY: "k", TRIPAY_PRIVATE_KEY: "p", TRIPAY_MERCHANT_CODE: "T0001", DO_API_TOKEN: "do" });
    expect(config.tripay).toMatchObject({ mode: "sandbox", apiUrl: "https://tripay.co.id/api-sandbox" });
    expect(config.providers.digitalocean).toEqual({ token: "do", apiUrl: "https://api.digitalocean.com" });
    expect(config.providers.vultr).toBeUndefined();
    expect(loadConfig({ ...valid, MIDTRANS_SERVER_KEY: "s", MIDTRANS_IS_PRODUCTION: "true" }).midtrans).toMatchObject({
      isProduction: true,
      apiUrl: "https://api.midtrans.com",
      snapUrl: "https://app.midtrans.com/snap/v1",
    });
  });

  it("webhook mode needs an https origin and a well-formed secret", () => {
    expect(problems({ ...valid, BOT_MODE: "webhook", PUBLIC_BASE_URL: "http://shop.example.id", TELEGRAM_WEBHOOK_SECRET: "bad secret!" })).toEqual([
      "PUBLIC_BASE_URL: must be an https:// origin",
      "TELEGRAM_WEBHOOK_SECRET: must be 16-256 chars of A-Z a-z 0-9 _ -",
    ]);
    const config = loadConfig({ ...valid, BOT_MODE: "webhook", PUBLIC_BASE_URL: "https://shop.example.id/", TELEGRAM_WEBHOOK_SECRET: "a".repeat(32) });
    expect(config.telegram.publicBaseUrl).toBe("https://shop.example.id");
  });

  it("parses owner and seller id lists", () => {
    expect(loadConfig({ ...valid, OWNER_IDS: "1, 2", SELLER_IDS: "3" })).toMatchObject({ ownerIds: [1, 2], sellerIds: [3] });
    expect(problems({ ...valid, OWNER_IDS: "1,abc" })).toEqual(["OWNER_IDS: must be comma-separated numeric Telegram user ids"]);
  });
});

/**
 * PROVISION_JOB_LOCK_MS (shop/platform/config.ts): how long a killed worker's provisioning job stays
 * locked before another worker takes it over. Production keeps BullMQ's lock at 120 s (and the
 * per-order Redis lock at 60 s); the crash tests shorten it.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../shop/platform/config.js";

const BASE_ENV = {
  TELEGRAM_BOT_TOKEN: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x",
  REDIS_URL: "redis://127.0.0.1:6379",
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
};

describe("PROVISION_JOB_LOCK_MS", () => {
  it("defaults to 120 s and can be shortened", () => {
    expect(loadConfig(BASE_ENV).provisioning.jobLockMs).toBe(120_000);
    expect(loadConfig({ ...BASE_ENV, PROVISION_JOB_LOCK_MS: "" }).provisioning.jobLockMs).toBe(120_000);
    expect(loadConfig({ ...BASE_ENV, PROVISION_JOB_LOCK_MS: "3000" }).provisioning.jobLockMs).toBe(3_000);
  });

  it("rejects values that are not whole milliseconds of at least 1000", () => {
    for (const bad of ["999", "abc", "1.5", "-1"]) {
      let error: unknown;
      try {
        loadConfig({ ...BASE_ENV, PROVISION_JOB_LOCK_MS: bad });
      } catch (err) {
        error = err;
      }
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems, bad).toEqual([expect.stringMatching(/^PROVISION_JOB_LOCK_MS: /)]);
    }
  });
});

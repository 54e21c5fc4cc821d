import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A key prefix unique to this test file, so parallel runs never see each other's keys. */
export function uniquePrefix(tag = "t"): string {
  return `test-${tag}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/** Deletes every key under a prefix (SCAN, not KEYS, so a shared Redis stays responsive). */
export async function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

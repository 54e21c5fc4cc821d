/** The catalog's browsing cache (shop/catalog/memo.ts) with a hand-driven clock. */
import { describe, expect, it } from "vitest";
import { Memo } from "../../shop/catalog/memo.js";

describe("Memo", () => {
  it("keeps at most maxEntries loads, pushing out the least recently used", async () => {
    const memo = new Memo(60_000, 3, () => 0);
    let loads = 0;
    const get = (key: string) => memo.get(key, async () => ++loads);
    for (const key of ["a", "b", "c"]) await get(key);
    await get("a"); // a is now the most recently used
    await get("d"); // pushes out b
    expect(memo.size).toBe(3);
    expect(loads).toBe(4);
    await get("a");
    await get("c");
    expect(loads).toBe(4);
    await get("b");
    expect(loads).toBe(5);
    for (let i = 0; i < 10_000; i++) await get(`forged-${i}`);
    expect(memo.size).toBe(3);
  });

  it("reloads after the time to live, drops failed loads and results it should not keep", async () => {
    let now = 0;
    const memo = new Memo(1_000, 10, () => now);
    let loads = 0;
    await memo.get("x", async () => ++loads);
    now = 999;
    await memo.get("x", async () => ++loads);
    expect(loads).toBe(1);
    now = 1_000;
    await memo.get("x", async () => ++loads);
    expect(loads).toBe(2);

    await expect(memo.get("boom", () => Promise.reject(new Error("db down")))).rejects.toThrow("db down");
    expect(await memo.get("none", async () => null, (v) => v !== null)).toBeNull();
    expect(memo.size).toBe(1);
  });
});

/**
 * The CloudProvider contract every adapter must meet, run against that provider's fake.
 * Each provider's test file calls `runCloudContract` with its specifics and adds its own
 * provider-only tests. Everything is fast: boot delays of tens of ms and an injected sleep
 * (requestJson's backoff / Retry-After waits are recorded, not slept).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeClock, type FakeCloud, type FakeCloudFault, type FakeCloudOptions } from "../../ops/fakes/clouds/index.js";
import type { CloudAdapterOptions, CloudCredentials } from "../../shop/cloud/common.js";
import { CloudError, type CloudProvider, type CloudServer, type CreateServerInput, type ProviderCapabilities, type ServerAction, type ServerStatus } from "../../shop/cloud/provider.js";
import { acceptsRootPassword } from "../support/root-password.js";

export const FAST: FakeCloudOptions = { bootDelayMs: 40, ipDelayMs: 25, actionDelayMs: 30 };

/** A sleep that records the waits and returns at once. */
export function recordingSleep(): { waits: number[]; sleep: (ms: number) => Promise<void> } {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

/**
 * Polls `read` until `ok`. The fakes' transitions take tens of ms; the generous limit is only
 * for a machine so loaded that polls crawl (a held clock never gets there: release it first).
 */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000, label = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs an action, retrying while the provider says it is busy (what a caller does too). */
export async function actWhenIdle(p: CloudProvider, id: string, action: ServerAction, opts?: { rootPassword?: string; imageRef?: string }): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await p.action(id, action, opts);
    } catch (error) {
      if (!(error instanceof CloudError) || error.code !== "conflict" || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export async function expectCloudError(promise: Promise<unknown>, code: CloudError["code"]): Promise<CloudError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CloudError);
    const e = error as CloudError;
    expect({ code: e.code, message: e.message }).toMatchObject({ code });
    return e;
  }
  throw new Error(`expected CloudError ${code}, but the call succeeded`);
}

export interface ContractSpec {
  name: string;
  startFake(opts: FakeCloudOptions): Promise<FakeCloud>;
  makeProvider(creds: CloudCredentials, opts: CloudAdapterOptions): CloudProvider;
  region: string;
  size: string;
  image: string;
  /** API path of the create call (for counting requests). */
  createPath: string;
  /** API path of one server. */
  serverPath(id: string): string;
  /** A sold-out error message in this provider's words. */
  soldOutMessage: string;
  /** The error body of an unknown-image create, for invalid_request. */
  badImage: string;
  /** An id that cannot exist (right format). */
  missingId: string;
  code: CloudProvider["code"];
  capabilities: ProviderCapabilities;
}

export interface ContractContext {
  fake: FakeCloud;
  /**
   * The fake's clock: hold it before a create or an action whose in-between state a test
   * checks ("provisioning", "busy"), release it before waiting for the end state. Released
   * after every test.
   */
  clock: FakeClock;
  provider: CloudProvider;
  waits: number[];
  make(opts?: CloudAdapterOptions, creds?: Partial<CloudCredentials>): CloudProvider;
  input(over?: Partial<CreateServerInput>): CreateServerInput;
  createRunning(over?: Partial<CreateServerInput>): Promise<CloudServer>;
  count(method: string, path: string): number;
}

let seq = 0;

/** Declares the shared suite; returns a context filled in beforeAll for provider-only tests. */
export function runCloudContract(spec: ContractSpec): ContractContext {
  const ctx = {} as ContractContext;

  beforeAll(async () => {
    ctx.clock = new FakeClock();
    ctx.fake = await spec.startFake({ ...FAST, now: ctx.clock.now });
  });
  afterAll(async () => {
    await ctx.fake?.stop();
  });
  beforeEach(() => {
    const rec = recordingSleep();
    ctx.waits = rec.waits;
    ctx.make = (opts = {}, creds = {}) =>
      spec.makeProvider(
        { token: ctx.fake.token, apiUrl: ctx.fake.url, ...creds },
        // 10 s per request: only the timeout tests, which set their own, mean to hit it.
        { ...opts, fetchOptions: { sleep: rec.sleep, random: () => 0.5, timeoutMs: 10_000, retries: 3, ...opts.fetchOptions } },
      );
    ctx.provider = ctx.make();
    ctx.input = (over = {}) => {
      seq += 1;
      return {
        label: `vps-ord-20261121-${spec.name.slice(0, 2)}${seq}`,
        region: spec.region,
        sizeSlug: spec.size,
        imageRef: spec.image,
        rootPassword: `Sup3r-Secret-${seq}-pw!`,
        tag: `order-ORD-20261121-T${seq}`,
        ...over,
      };
    };
    ctx.createRunning = async (over = {}) => {
      const created = await ctx.provider.createServer(ctx.input(over));
      return until(() => ctx.provider.getServer(created.id).then((s) => s as CloudServer), (s) => s.status === "running" && s.ipv4 !== null, undefined, "running with IPv4");
    };
    ctx.count = (method, path) => ctx.fake.requests().filter((r) => r.method === method && r.path === path).length;
  });
  afterEach(() => {
    ctx.clock.release();
    ctx.fake.reset();
  });

  const fail = (n: number, f: FakeCloudFault) => ctx.fake.fail(n, f);

  describe(`${spec.name}: lifecycle`, () => {
    it("creates a server in provisioning state, then it runs and gets its public IPv4 late", async () => {
      const input = ctx.input();
      ctx.clock.hold();
      const created = await ctx.provider.createServer(input);
      expect(created).toMatchObject({ status: "provisioning", ipv4: null, region: spec.region, sizeSlug: spec.size, tags: [input.tag] });
      expect(created.id).toMatch(/\S/);
      expect(created.label.length).toBeGreaterThan(2);
      ctx.clock.release();

      // Running may come before the IPv4: the caller must wait for both.
      const states = new Set<string>();
      const running = await until(
        async () => {
          const s = (await ctx.provider.getServer(created.id)) as CloudServer;
          states.add(`${s.status}:${s.ipv4 ? "ip" : "noip"}`);
          return s;
        },
        (s) => s.status === "running" && s.ipv4 !== null,
      );
      expect(running.ipv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(states.has("running:ip")).toBe(true);
      expect(running.createdAt).toBeTruthy();

      const [onFake] = ctx.fake.servers();
      expect(onFake?.tags).toEqual([input.tag]);
      // The fake read the password from root_pass or its hash from the cloud-config user_data.
      expect(acceptsRootPassword(onFake, input.rootPassword)).toBe(true);
    });

    it("findByTag finds exactly the order's server (and nothing for an unknown tag)", async () => {
      const a = await ctx.provider.createServer(ctx.input());
      const bInput = ctx.input();
      const b = await ctx.provider.createServer(bInput);
      const found = await ctx.provider.findByTag(bInput.tag);
      expect(found.map((s) => s.id)).toEqual([b.id]);
      expect(found[0]?.id).not.toBe(a.id);
      expect(await ctx.provider.findByTag("order-ORD-NOPE")).toEqual([]);
    });

    it("findByTag follows pagination", async () => {
      const small = ctx.make({ pageSize: 2 });
      const tag = `order-ORD-PAGES-${++seq}`;
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push((await small.createServer(ctx.input({ tag }))).id);
      await small.createServer(ctx.input());
      const found = await small.findByTag(tag);
      expect(found.map((s) => s.id).sort()).toEqual([...ids].sort());
    });

    it("listTagged lists every server whose tag starts with the prefix, across pages, and nothing else", async () => {
      const small = ctx.make({ pageSize: 2 });
      const prefix = `vpsbot-lt${++seq}-`;
      const ours: string[] = [];
      for (let i = 0; i < 3; i++) ours.push((await small.createServer(ctx.input({ tag: `${prefix}${i}` }))).id);
      await small.createServer(ctx.input());
      await small.createServer(ctx.input({ tag: `x${prefix}` }));
      const found = await small.listTagged(prefix);
      expect(found.map((s) => s.id).sort()).toEqual([...ours].sort());
      expect(ctx.count("GET", spec.createPath)).toBeGreaterThanOrEqual(3); // 5 servers, pages of 2
      expect(await small.listTagged("vpsbot-nobody-")).toEqual([]);
    });

    it("findByLabel finds the server created with that label, and nothing for another", async () => {
      const input = ctx.input();
      const created = await ctx.provider.createServer(input);
      await ctx.provider.createServer(ctx.input());
      expect((await ctx.provider.findByLabel(input.label)).map((s) => s.id)).toEqual([created.id]);
      expect(await ctx.provider.findByLabel("vps-nobody-here")).toEqual([]);
    });

    it("lists lag behind creates (the fake's list delay): getServer sees a new server at once, the list look-ups only later", async () => {
      ctx.fake.setListDelay(3_600_000);
      const input = ctx.input({ tag: `vpsbot-lag${++seq}` });
      const created = await ctx.provider.createServer(input);
      expect(await ctx.provider.getServer(created.id)).toMatchObject({ id: created.id });
      expect(await ctx.provider.findByTag(input.tag)).toEqual([]);
      expect(await ctx.provider.findByLabel(input.label)).toEqual([]);
      expect(await ctx.provider.listTagged("vpsbot-lag")).toEqual([]);
      ctx.fake.setListDelay(0);
      expect((await ctx.provider.findByTag(input.tag)).map((s) => s.id)).toEqual([created.id]);
      expect((await ctx.provider.findByLabel(input.label)).map((s) => s.id)).toEqual([created.id]);
      expect((await ctx.provider.listTagged("vpsbot-lag")).map((s) => s.id)).toEqual([created.id]);
    });

    it("power_off → off, power_on → running, reboot → running again", async () => {
      const s = await ctx.createRunning();
      const status = async () => ((await ctx.provider.getServer(s.id)) as CloudServer).status;
      const settledTo = (target: ServerStatus) => until(status, (v) => v === target, undefined, target);

      await actWhenIdle(ctx.provider, s.id, "power_off");
      await settledTo("off");
      await actWhenIdle(ctx.provider, s.id, "power_on");
      await settledTo("running");
      await actWhenIdle(ctx.provider, s.id, "reboot");
      await settledTo("running");
    });

    it("deletes a server; getServer then says null and a second delete is fine", async () => {
      const s = await ctx.provider.createServer(ctx.input());
      await ctx.provider.deleteServer(s.id);
      expect(await ctx.provider.getServer(s.id)).toBeNull();
      await ctx.provider.deleteServer(s.id);
      expect(ctx.fake.servers()).toEqual([]);
    });

    it("capabilities", () => {
      expect(ctx.provider.capabilities).toEqual(spec.capabilities);
      expect(ctx.provider.code).toBe(spec.code);
    });

    it("actions outside the capabilities are refused before any request", async () => {
      const s = await ctx.createRunning();
      const before = ctx.fake.requests().length;
      for (const action of ["reboot", "power_off", "power_on", "shutdown", "reset_password", "reinstall"] as const) {
        if (spec.capabilities.actions.includes(action)) continue;
        await expectCloudError(ctx.provider.action(s.id, action, { rootPassword: "An0ther-Passw0rd!" }), "invalid_request");
      }
      expect(ctx.fake.requests().length).toBe(before);
    });

    it("lists regions, sizes and images in our shapes", async () => {
      const [regions, sizes, images] = await Promise.all([ctx.provider.listRegions(), ctx.provider.listSizes(), ctx.provider.listImages()]);
      expect(regions.find((r) => r.slug === spec.region)).toMatchObject({ available: true, name: expect.any(String) });
      const size = sizes.find((x) => x.slug === spec.size);
      expect(size).toMatchObject({ vcpus: expect.any(Number), memoryMb: expect.any(Number), diskGb: expect.any(Number) });
      expect(size?.regions).toContain(spec.region);
      expect(size!.memoryMb).toBeGreaterThanOrEqual(512);
      expect(size!.diskGb).toBeGreaterThanOrEqual(10);
      expect(size!.diskGb).toBeLessThan(1000);
      expect(images.map((i) => i.ref)).toContain(spec.image);
    });
  });

  describe(`${spec.name}: retries, rate limits and timeouts`, () => {
    it("429 with Retry-After on a read: waits what was asked, then succeeds in exactly 2 requests", async () => {
      const s = await ctx.provider.createServer(ctx.input());
      fail(1, { status: 429, retryAfter: 3 });
      const before = ctx.count("GET", spec.serverPath(s.id));
      const got = await ctx.provider.getServer(s.id);
      expect(got?.id).toBe(s.id);
      expect(ctx.count("GET", spec.serverPath(s.id)) - before).toBe(2);
      expect(ctx.waits).toEqual([3_000]);
    });

    it("429 on a create is safe to repeat: waits, then creates exactly one server", async () => {
      fail(1, { status: 429, retryAfter: 2 });
      const input = ctx.input();
      const created = await ctx.provider.createServer(input);
      expect(ctx.count("POST", spec.createPath)).toBe(2);
      expect(ctx.waits).toEqual([2_000]);
      expect(ctx.fake.servers().filter((x) => x.tags.includes(input.tag)).map((x) => x.id)).toEqual([created.id]);
    });

    it("a Retry-After longer than we sit through becomes rate_limited with retryAfterMs", async () => {
      fail(1, { status: 429, retryAfter: 120 });
      const e = await expectCloudError(ctx.provider.getServer(spec.missingId), "rate_limited");
      expect(e.retryAfterMs).toBe(120_000);
      expect(e.retryable).toBe(true);
      expect(e.status).toBe(429);
      expect(ctx.waits).toEqual([]);
    });

    it("500 then success on a read: retried once with backoff", async () => {
      const s = await ctx.provider.createServer(ctx.input());
      fail(1, { status: 500 });
      const before = ctx.count("GET", spec.serverPath(s.id));
      expect((await ctx.provider.getServer(s.id))?.id).toBe(s.id);
      expect(ctx.count("GET", spec.serverPath(s.id)) - before).toBe(2);
      expect(ctx.waits.length).toBe(1);
    });

    it("persistent 5xx → unavailable (retryable) after the retries", async () => {
      fail(10, { status: 503 });
      const e = await expectCloudError(ctx.provider.getServer(spec.missingId), "unavailable");
      expect(e.retryable).toBe(true);
      expect(e.status).toBe(503);
      expect(ctx.count("GET", spec.serverPath(spec.missingId))).toBe(4);
    });

    it("500 on a create is NOT retried (the server may exist): unavailable after 1 request", async () => {
      fail(1, { status: 500 });
      await expectCloudError(ctx.provider.createServer(ctx.input()), "unavailable");
      expect(ctx.count("POST", spec.createPath)).toBe(1);
    });

    it("a read that never answers → CloudError timeout", async () => {
      const p = ctx.make({ fetchOptions: { timeoutMs: 400, retries: 0 } });
      ctx.fake.timeout(1);
      const e = await expectCloudError(p.getServer(spec.missingId), "timeout");
      expect(e.retryable).toBe(true);
    });

    it("a read that times out once is retried and succeeds", async () => {
      const s = await ctx.provider.createServer(ctx.input());
      // The retry must answer within the timeout: 3 s, so a loaded machine still makes it.
      const p = ctx.make({ fetchOptions: { timeoutMs: 3_000 } });
      ctx.fake.timeout(1);
      expect((await p.getServer(s.id))?.id).toBe(s.id);
    });

    it("slow() past the timeout also times out", async () => {
      const p = ctx.make({ fetchOptions: { timeoutMs: 300, retries: 0 } });
      ctx.fake.slow(1_000);
      await expectCloudError(p.listRegions(), "timeout");
    });

    it("a create that times out is not repeated; the caller finds the one server by tag", async () => {
      // The lookup after the lost answer must answer within the timeout: 3 s, as above.
      const p = ctx.make({ fetchOptions: { timeoutMs: 3_000, retries: 3 } });
      ctx.fake.timeout(1); // the fake creates the server, then never answers
      const input = ctx.input();
      const e = await expectCloudError(p.createServer(input), "timeout");
      expect(e.message).toMatch(/may still have happened/);
      expect(ctx.count("POST", spec.createPath)).toBe(1);
      const found = await p.findByTag(input.tag);
      expect(found).toHaveLength(1);
      expect(ctx.fake.servers().filter((x) => x.tags.includes(input.tag))).toHaveLength(1);
    });
  });

  describe(`${spec.name}: error mapping`, () => {
    it("401 → unauthorized, with the provider's message and never the token", async () => {
      const p = ctx.make({}, { token: "sekret-wrong-token-123456" });
      const e = await expectCloudError(p.getServer(spec.missingId), "unauthorized");
      expect(e.status).toBe(401);
      expect(e.retryable).toBe(false);
      expect(e.provider).toBe(ctx.provider.code);
      expect(e.message).toContain("said:");
      expect(e.message).not.toContain("sekret-wrong-token-123456");
      expect(JSON.stringify(e)).not.toContain("sekret-wrong-token-123456");
    });

    it("422 with a sold-out message → sold_out", async () => {
      fail(1, { status: 422, body: spec.soldOutMessage });
      const e = await expectCloudError(ctx.provider.createServer(ctx.input()), "sold_out");
      expect(e.message).toContain(spec.soldOutMessage);
      expect(e.retryable).toBe(false);
    });

    it("a sold-out size/region (fake's own answer) → sold_out, and nothing is created", async () => {
      ctx.fake.soldOut(spec.region, spec.size);
      await expectCloudError(ctx.provider.createServer(ctx.input()), "sold_out");
      expect(ctx.fake.servers()).toEqual([]);
    });

    it("422/400 validation errors → invalid_request", async () => {
      await expectCloudError(ctx.provider.createServer(ctx.input({ imageRef: spec.badImage })), "invalid_request");
    });

    it("404 → getServer null; actions on it → not_found", async () => {
      expect(await ctx.provider.getServer(spec.missingId)).toBeNull();
      expect(await ctx.provider.getServer("../../etc")).toBeNull();
      await expectCloudError(ctx.provider.action(spec.missingId, "reboot"), "not_found");
    });

    it("409 → conflict", async () => {
      const s = await ctx.createRunning();
      fail(1, { status: 409, body: "Conflict" });
      await expectCloudError(ctx.provider.action(s.id, "reboot"), "conflict");
    });

    it("a weak/empty root password is refused before calling the provider", async () => {
      await expectCloudError(ctx.provider.createServer(ctx.input({ rootPassword: "short" })), "invalid_request");
      await expectCloudError(ctx.provider.createServer(ctx.input({ rootPassword: "line\nbreak-password" })), "invalid_request");
      expect(ctx.fake.requests()).toEqual([]);
    });
  });

  describe(`${spec.name}: isAvailable`, () => {
    it("true for a normal size/region, false when sold out, unknown size or region", async () => {
      expect(await ctx.make({ availabilityTtlMs: 0 }).isAvailable(spec.region, spec.size)).toBe(true);
      ctx.fake.soldOut(spec.region, spec.size);
      const fresh = ctx.make({ availabilityTtlMs: 0 });
      expect(await fresh.isAvailable(spec.region, spec.size)).toBe(false);
      expect(await fresh.isAvailable(spec.region, "no-such-size")).toBe(false);
      expect(await fresh.isAvailable("no-such-region", spec.size)).toBe(false);
    });

    it("caches answers for availabilityTtlMs", async () => {
      let now = 1_000_000;
      const p = ctx.make({ availabilityTtlMs: 60_000, now: () => now });
      expect(await p.isAvailable(spec.region, spec.size)).toBe(true);
      const calls = ctx.fake.requests().length;
      ctx.fake.soldOut(spec.region, spec.size);
      now += 59_000;
      expect(await p.isAvailable(spec.region, spec.size)).toBe(true); // cached
      expect(ctx.fake.requests().length).toBe(calls);
      now += 2_000;
      expect(await p.isAvailable(spec.region, spec.size)).toBe(false);
      expect(ctx.fake.requests().length).toBeGreaterThan(calls);
    });

    it("an error is not cached and surfaces as a CloudError", async () => {
      const p = ctx.make({ fetchOptions: { retries: 0 } });
      fail(1, { status: 500 });
      await expect(p.isAvailable(spec.region, spec.size)).rejects.toBeInstanceOf(CloudError);
      expect(await p.isAvailable(spec.region, spec.size)).toBe(true);
    });
  });

  return ctx;
}

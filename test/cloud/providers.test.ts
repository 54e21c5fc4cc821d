/**
 * The factory and the catalog's cloud-backed availability check, wired the way the app
 * does it (env → loadConfig → createProviders), against all three fakes at once; plus the
 * fakes' /_fake/ HTTP control routes and the "exactly one server per order" recovery.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../shop/platform/config.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import type { SellablePlan } from "../../shop/catalog/availability.js";
import { DigitalOceanProvider } from "../../shop/cloud/digitalocean.js";
import { LinodeProvider } from "../../shop/cloud/linode.js";
import { CloudError, type CloudProvider, type CreateServerInput } from "../../shop/cloud/provider.js";
import { cloudAvailability, createProviders } from "../../shop/cloud/providers.js";
import { VultrProvider } from "../../shop/cloud/vultr.js";
import { FAST, recordingSleep, until } from "./contract.js";

const BASE_ENV = {
  TELEGRAM_BOT_TOKEN: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x",
  REDIS_URL: "redis://127.0.0.1:6379",
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
};

let clouds: FakeClouds;
const rec = recordingSleep();
// 10 s per request: only the timeout tests, which set their own, mean to hit it.
const fetchOptions = { sleep: rec.sleep, random: () => 0.5, timeoutMs: 10_000 };

beforeAll(async () => {
  clouds = await startFakeClouds(FAST);
});
afterAll(async () => {
  await clouds?.stop();
});
afterEach(() => {
  clouds.reset();
  rec.waits.length = 0;
});

const plan = (over: Partial<SellablePlan> = {}): SellablePlan => ({
  providerCode: "DIGITALOCEAN",
  providerSizeSlug: "s-1vcpu-1gb",
  region: "sgp1",
  active: true,
  stock: null,
  ...over,
});

describe("createProviders", () => {
  it("builds an adapter per configured provider from config.providers (env → loadConfig)", async () => {
    const config = loadConfig({ ...BASE_ENV, ...clouds.env });
    const providers = createProviders(config.providers, { fetchOptions });
    expect(providers.DIGITALOCEAN).toBeInstanceOf(DigitalOceanProvider);
    expect(providers.VULTR).toBeInstanceOf(VultrProvider);
    expect(providers.LINODE).toBeInstanceOf(LinodeProvider);
    for (const p of Object.values(providers)) expect((await p.listRegions()).length).toBeGreaterThan(0);
  });

  it("leaves out providers without a token", () => {
    const config = loadConfig({ ...BASE_ENV, VULTR_API_KEY: clouds.env.VULTR_API_KEY, VULTR_API_URL: clouds.env.VULTR_API_URL });
    expect(Object.keys(createProviders(config.providers))).toEqual(["VULTR"]);
    expect(createProviders({})).toEqual({});
  });
});

describe("cloudAvailability (the catalog's AvailabilityChecker)", () => {
  it("active + stock + provider says yes → available", async () => {
    const check = cloudAvailability(createProviders(clouds.providers, { fetchOptions }));
    expect(await check.isAvailable(plan())).toBe(true);
    expect(await check.isAvailable(plan({ providerCode: "VULTR", providerSizeSlug: "vc2-1c-1gb", region: "sgp" }))).toBe(true);
    expect(await check.isAvailable(plan({ providerCode: "LINODE", providerSizeSlug: "g6-nanode-1", region: "id-cgk", stock: 3 }))).toBe(true);
  });

  it("inactive, out of stock, unconfigured provider, sold out → not available", async () => {
    const check = cloudAvailability(createProviders(clouds.providers, { fetchOptions, availabilityTtlMs: 0 }));
    expect(await check.isAvailable(plan({ active: false }))).toBe(false);
    expect(await check.isAvailable(plan({ stock: 0 }))).toBe(false);
    expect(clouds.digitalocean.requests()).toEqual([]); // decided without asking the cloud
    expect(await cloudAvailability({}).isAvailable(plan())).toBe(false);
    clouds.vultr.soldOut("sgp", "vc2-1c-1gb");
    expect(await check.isAvailable(plan({ providerCode: "VULTR", providerSizeSlug: "vc2-1c-1gb", region: "sgp" }))).toBe(false);
  });

  it("a provider error counts as 'not available right now'", async () => {
    const check = cloudAvailability(createProviders(clouds.providers, { fetchOptions: { ...fetchOptions, retries: 1 } }));
    clouds.digitalocean.fail(5, { status: 503 });
    expect(await check.isAvailable(plan())).toBe(false);
    const badToken = cloudAvailability(createProviders({ linode: { ...clouds.providers.linode, token: "nope-nope-nope" } }, { fetchOptions }));
    expect(await badToken.isAvailable(plan({ providerCode: "LINODE", providerSizeSlug: "g6-nanode-1", region: "ap-south" }))).toBe(false);
  });
});

describe("exactly one server per order (create timed out, caller recovers by tag)", () => {
  // Made with a request timeout: short for the job whose answer is lost, long for the retries.
  type Make = (timeoutMs: number) => CloudProvider;
  const cases: Array<[string, Make, () => FakeClouds[keyof Pick<FakeClouds, "digitalocean" | "vultr" | "linode">], Omit<CreateServerInput, "tag" | "label">]> = [
    ["digitalocean", (timeoutMs) => new DigitalOceanProvider(clouds.providers.digitalocean, { fetchOptions: { ...fetchOptions, timeoutMs } }), () => clouds.digitalocean, { region: "sgp1", sizeSlug: "s-1vcpu-1gb", imageRef: "ubuntu-22-04-x64", rootPassword: "Order-Pass-1234" }],
    ["vultr", (timeoutMs) => new VultrProvider(clouds.providers.vultr, { fetchOptions: { ...fetchOptions, timeoutMs } }), () => clouds.vultr, { region: "sgp", sizeSlug: "vc2-1c-1gb", imageRef: "1743", rootPassword: "Order-Pass-1234" }],
    ["linode", (timeoutMs) => new LinodeProvider(clouds.providers.linode, { fetchOptions: { ...fetchOptions, timeoutMs } }), () => clouds.linode, { region: "id-cgk", sizeSlug: "g6-nanode-1", imageRef: "linode/ubuntu22.04", rootPassword: "Order-Pass-1234" }],
  ];

  it.each(cases)("%s", async (_name, make, fake, base) => {
    let provider = make(400);
    const tag = "order-ORD-20261121-7KQ2M";
    let loseTheAnswer = true;
    // A provisioning job: look for the tag first, create only if nothing is there.
    const provision = async (): Promise<string> => {
      const existing = await provider.findByTag(tag);
      if (existing[0]) return existing[0].id;
      if (loseTheAnswer) {
        fake().timeout(1); // the create goes through, the answer is lost
        loseTheAnswer = false;
      }
      return (await provider.createServer({ ...base, label: "vps-ord-20261121-7kq2m", tag })).id;
    };
    const first = await provision().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(CloudError);
    expect((first as CloudError).code).toBe("timeout");
    provider = make(fetchOptions.timeoutMs); // the retries must get their answers, however loaded the machine
    const id = await provision(); // the retry of the job
    expect(await provision()).toBe(id); // and once more for good measure
    expect(fake().servers().filter((s) => s.tags.includes(tag)).map((s) => s.id)).toEqual([id]);
    expect(fake().requests().filter((r) => r.method === "POST").length).toBe(1);
    await until(() => provider.getServer(id), (s) => s?.status === "running" && s.ipv4 !== null);
  });
});

describe("fake clouds: /_fake/ HTTP control routes", () => {
  const post = (origin: string, path: string, body: unknown) =>
    fetch(`${origin}/_fake/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("fail / sold-out / boot-delay / servers / requests / reset over HTTP", async () => {
    const fake = clouds.linode;
    const p = new LinodeProvider(clouds.providers.linode, { fetchOptions: { ...fetchOptions, retries: 0 }, availabilityTtlMs: 0 });

    expect((await post(fake.origin, "fail", { count: 1, status: 500, body: "boom" })).status).toBe(200);
    const e = await p.listImages().catch((x: unknown) => x as CloudError);
    expect(e).toMatchObject({ code: "unavailable", status: 500 });
    expect((e as CloudError).message).toContain("boom");

    await post(fake.origin, "sold-out", { region: "ap-south", size: "g6-standard-1" });
    expect(await p.isAvailable("ap-south", "g6-standard-1")).toBe(false);
    await post(fake.origin, "sold-out", { region: "ap-south", size: "g6-standard-1", soldOut: false });
    expect(await p.isAvailable("ap-south", "g6-standard-1")).toBe(true);

    await post(fake.origin, "boot-delay", { ms: 5, ipDelayMs: 5 });
    const s = await p.createServer({ label: "vps-http-control", region: "ap-south", sizeSlug: "g6-nanode-1", imageRef: "linode/debian12", rootPassword: "Http-Control-42", tag: "order-HTTP-1" });
    await until(() => p.getServer(s.id), (x) => x?.status === "running" && x.ipv4 !== null);

    const servers = (await (await fetch(`${fake.origin}/_fake/servers`)).json()) as Array<{ id: string; tags: string[] }>;
    expect(servers.map((x) => x.id)).toEqual([s.id]);
    const requests = (await (await fetch(`${fake.origin}/_fake/requests`)).json()) as Array<{ method: string; path: string; status: number }>;
    expect(requests[0]).toMatchObject({ method: "GET", path: "/v4/images", status: 500 });
    expect(requests.some((r) => r.method === "POST" && r.path === "/v4/linode/instances" && r.status === 200)).toBe(true);

    await post(fake.origin, "reset", {});
    expect(fake.servers()).toEqual([]);
    expect(fake.requests()).toEqual([]);
  });

  it("timeout and slow over HTTP", async () => {
    const fake = clouds.digitalocean;
    const p = new DigitalOceanProvider(clouds.providers.digitalocean, { fetchOptions: { ...fetchOptions, timeoutMs: 300, retries: 0 } });
    await post(fake.origin, "timeout", { count: 1 });
    await expect(p.listImages()).rejects.toMatchObject({ code: "timeout" });
    await post(fake.origin, "slow", { ms: 1_000 });
    await expect(p.listImages()).rejects.toMatchObject({ code: "timeout" });
    await post(fake.origin, "slow", { ms: 0 });
    // Answered again: asked with the usual timeout, so a loaded machine is not mistaken for a slow fake.
    expect((await new DigitalOceanProvider(clouds.providers.digitalocean, { fetchOptions: { ...fetchOptions, retries: 0 } }).listImages()).length).toBeGreaterThan(0);
    expect(fake.requests().map((r) => r.status)).toEqual([0, 200, 200]);
  });

  it("each fake answers 401 in its provider's error shape", async () => {
    const [d, v, l] = await Promise.all([
      fetch(`${clouds.env.DO_API_URL}/v2/droplets`).then(async (r) => [r.status, await r.json()]),
      fetch(`${clouds.env.VULTR_API_URL}/instances`).then(async (r) => [r.status, await r.json()]),
      fetch(`${clouds.env.LINODE_API_URL}/linode/instances`).then(async (r) => [r.status, await r.json()]),
    ]);
    expect(d).toEqual([401, expect.objectContaining({ id: "unauthorized", message: "Unable to authenticate you." })]);
    expect(v).toEqual([401, { error: "Invalid API token.", status: 401 }]);
    expect(l).toEqual([401, { errors: [{ reason: "Invalid Token" }] }]);
  });
});

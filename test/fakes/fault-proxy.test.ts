/**
 * The chaos run's fault proxy in front of a fake cloud: faults by rate and by kind of request.
 * A refused call never reaches the cloud; a "lost answer" create reaches it (the server exists)
 * while the client sees only its own timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../ops/fakes/clouds/index.js";
import { startFaultProxy, type FaultProxy } from "../../ops/fakes/clouds/fault-proxy.js";

let fake: FakeDigitalOcean;
let proxy: FaultProxy;

beforeAll(async () => {
  fake = await startFakeDigitalOcean({ bootDelayMs: 10 });
  proxy = await startFaultProxy(fake.origin);
});
afterAll(async () => {
  await proxy?.stop();
  await fake?.stop();
});

const auth = () => ({ authorization: `Bearer ${fake.token}`, "content-type": "application/json" });
const createBody = JSON.stringify({ name: "chaos-1", region: "sgp1", size: "s-1vcpu-1gb", image: "ubuntu-22-04-x64", tags: ["vpsbot-ord-1"] });

describe("fault proxy", () => {
  it("forwards untouched without rules, and answers a status fault itself (with Retry-After)", async () => {
    proxy.setRules([]);
    const ok = await fetch(`${proxy.url()}/v2/droplets`, { headers: auth() });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ droplets: [] });

    const before = fake.requests().length;
    proxy.setRules([{ method: "GET", rate: 1, fault: { status: 429, retryAfter: 1 } }]);
    const refused = await fetch(`${proxy.url()}/v2/droplets`, { headers: auth() });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(fake.requests().length).toBe(before); // the cloud never saw it
    expect(proxy.stats()).toMatchObject({ forwarded: 1, "429": 1 });
  });

  it("a lost answer: the create is carried out, the client gets nothing until it gives up", async () => {
    proxy.setRules([{ method: "POST", path: /\/droplets$/, rate: 1, fault: "lost-answer" }]);
    const giveUp = new AbortController();
    let answered = false;
    const create = fetch(`${proxy.url()}/v2/droplets`, { method: "POST", headers: auth(), body: createBody, signal: giveUp.signal }).finally(() => {
      answered = true;
    });
    create.catch(() => undefined);
    // The cloud carried the create out (however long the request took to get there)…
    await expect.poll(() => fake.servers().filter((s) => s.tags.includes("vpsbot-ord-1")).length, { timeout: 20_000 }).toBe(1);
    // …and the client still has no answer, until it gives up.
    expect(answered).toBe(false);
    giveUp.abort();
    await expect(create).rejects.toThrow();
    proxy.setRules([]);
  });

  it("passes a 204 answer (a delete) through", async () => {
    proxy.setRules([]);
    const created = await fetch(`${proxy.url()}/v2/droplets`, { method: "POST", headers: auth(), body: createBody.replace("chaos-1", "chaos-2").replace("ord-1", "ord-2") });
    expect(created.status).toBe(202);
    const { droplet } = (await created.json()) as { droplet: { id: number } };
    const deleted = await fetch(`${proxy.url()}/v2/droplets/${droplet.id}`, { method: "DELETE", headers: auth() });
    expect(deleted.status).toBe(204);
  });

  it("a reset drops the connection without forwarding", async () => {
    proxy.setRules([{ rate: 1, fault: "reset" }]);
    const before = fake.requests().length;
    await expect(fetch(`${proxy.url()}/v2/droplets`, { headers: auth(), signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
    expect(fake.requests().length).toBe(before);
    proxy.setRules([]);
  });
});

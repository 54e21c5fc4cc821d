/**
 * DigitalOceanProvider against the fake DigitalOcean API: the shared contract plus DO-only
 * behaviour (cloud-config user_data, rate-limit headers, pending-event conflicts, rebuild).
 */
import { describe, expect, it } from "vitest";
import { startFakeDigitalOcean } from "../../ops/fakes/clouds/index.js";
import { DigitalOceanProvider } from "../../shop/cloud/digitalocean.js";
import type { CloudServer } from "../../shop/cloud/provider.js";
import { actWhenIdle, expectCloudError, runCloudContract, until } from "./contract.js";
import { acceptsRootPassword } from "../support/root-password.js";

const ctx = runCloudContract({
  name: "digitalocean",
  code: "DIGITALOCEAN",
  startFake: (opts) => startFakeDigitalOcean(opts),
  makeProvider: (creds, opts) => new DigitalOceanProvider(creds, opts),
  region: "sgp1",
  size: "s-1vcpu-1gb",
  image: "ubuntu-24-04-x64",
  createPath: "/v2/droplets",
  serverPath: (id) => `/v2/droplets/${id}`,
  soldOutMessage: "Size is not available in this region.",
  badImage: "windows-95",
  missingId: "999999999",
  capabilities: { actions: ["reboot", "power_off", "power_on", "shutdown"], passwordResetNeedsOff: false, consoleUrl: false },
});

describe("digitalocean: provider specifics", () => {
  it("sends name/region/size/image/tags and a cloud-config user_data that sets the root password", async () => {
    const input = ctx.input({ label: "vps ord_2026/11 7kq2m" });
    ctx.clock.hold(); // still "new" when we look, however slow the machine
    const created = await ctx.provider.createServer(input);
    expect(created.label).toBe("vps-ord-2026-11-7kq2m");
    const [server] = ctx.fake.servers();
    expect(server).toMatchObject({ size: "s-1vcpu-1gb", region: "sgp1", image: "ubuntu-24-04-x64", tags: [input.tag], status: "new" });
    expect(server?.userData).toMatch(/^#cloud-config\n/);
    expect(server?.userData).toContain("ssh_pwauth: true");
    expect(server?.userData).toMatch(/chpasswd:\n {2}expire: false/);
    expect(acceptsRootPassword(server, input.rootPassword)).toBe(true);
  });

  it("a password with quotes and colons survives the cloud-config round trip", async () => {
    const tricky = `pa"ss:wo\\rd'#{}-x9`;
    await ctx.provider.createServer(ctx.input({ rootPassword: tricky }));
    expect(acceptsRootPassword(ctx.fake.servers()[0], tricky)).toBe(true);
  });

  it("maps new → provisioning (empty networks), active → running with the public (not private) IPv4", async () => {
    ctx.clock.hold();
    const created = await ctx.provider.createServer(ctx.input());
    expect(created.status).toBe("provisioning");
    ctx.clock.release();
    const running = await ctx.createRunning();
    expect(running.ipv4).toMatch(/^203\.0\.113\./);
    expect(running.ipv6).toMatch(/^2001:db8:/);
    expect(running.imageRef).toBe("ubuntu-24-04-x64");
  });

  it("every response carries DO's rate-limit headers", async () => {
    ctx.clock.hold(); // the reset is compared with the fake's own "now"
    const res = await fetch(`${ctx.fake.url}/v2/sizes`, { headers: { authorization: `Bearer ${ctx.fake.token}` } });
    expect(res.headers.get("ratelimit-limit")).toBe("5000");
    expect(Number(res.headers.get("ratelimit-remaining"))).toBeLessThan(5000);
    expect(Number(res.headers.get("ratelimit-reset"))).toBeGreaterThan(ctx.clock.now() / 1000);
    const unauth = await fetch(`${ctx.fake.url}/v2/sizes`);
    expect(unauth.status).toBe(401);
    expect(await unauth.json()).toMatchObject({ id: "unauthorized", message: "Unable to authenticate you." });
    expect(unauth.headers.get("ratelimit-limit")).toBe("5000");
  });

  it("an action while another is pending → conflict (DO 422 'pending event')", async () => {
    const s = await ctx.createRunning();
    ctx.clock.hold(); // the power_off is still pending when the power_on comes
    await ctx.provider.action(s.id, "power_off");
    const e = await expectCloudError(ctx.provider.action(s.id, "power_on"), "conflict");
    expect(e.message).toContain("pending event");
    expect(e.retryable).toBe(true);
  });

  it("actions are POST /v2/droplets/{id}/actions {type}; shutdown ends off", async () => {
    const s = await ctx.createRunning();
    await actWhenIdle(ctx.provider, s.id, "shutdown");
    await until(() => ctx.provider.getServer(s.id).then((x) => x as CloudServer), (x) => x.status === "off");
    expect(ctx.count("POST", `/v2/droplets/${s.id}/actions`)).toBe(1);
  });

  it("reinstall (adapter-only, not a customer capability) rebuilds with the current image unless another is given", async () => {
    const s = await ctx.createRunning();
    await actWhenIdle(ctx.provider, s.id, "reinstall");
    await until(() => ctx.provider.getServer(s.id).then((x) => x as CloudServer), (x) => x.status === "running");
    await actWhenIdle(ctx.provider, s.id, "reinstall", { imageRef: "debian-12-x64" });
    const after = await until(() => ctx.provider.getServer(s.id).then((x) => x as CloudServer), (x) => x.status === "running" && x.imageRef === "debian-12-x64");
    expect(after.imageRef).toBe("debian-12-x64");
    // DO cannot take a new password on rebuild: refused, not silently ignored.
    await expectCloudError(ctx.provider.action(s.id, "reinstall", { rootPassword: "N3w-Passw0rd!!" }), "invalid_request");
  });

  it("password_reset (which emails the account owner) is refused without calling DO", async () => {
    const s = await ctx.createRunning();
    const e = await expectCloudError(ctx.provider.action(s.id, "reset_password", { rootPassword: "N3w-Passw0rd!!" }), "invalid_request");
    expect(e.message).toMatch(/email/);
    expect(ctx.count("POST", `/v2/droplets/${s.id}/actions`)).toBe(0);
    expect(await ctx.provider.consoleUrl(s.id)).toBeNull();
  });

  it("isAvailable reads /v2/sizes (size.available and size.regions)", async () => {
    ctx.fake.soldOut("nyc3", "s-2vcpu-4gb");
    const p = ctx.make();
    expect(await p.isAvailable("sgp1", "s-2vcpu-4gb")).toBe(true);
    expect(await p.isAvailable("nyc3", "s-2vcpu-4gb")).toBe(false);
    expect(ctx.count("GET", "/v2/sizes")).toBe(1);
  });
});

/**
 * VultrProvider against the fake Vultr API: the shared contract plus Vultr-only behaviour
 * (os_id as an integer, base64 cloud-config, default_password ignored, kvm console URL,
 * status mapping from status/power_status/server_status, reinstall).
 */
import { describe, expect, it } from "vitest";
import { startFakeVultr, type FakeVultr } from "../../ops/fakes/clouds/index.js";
import type { CloudServer } from "../../shop/cloud/provider.js";
import { VultrProvider, vultrStatus } from "../../shop/cloud/vultr.js";
import { actWhenIdle, expectCloudError, runCloudContract, until } from "./contract.js";
import { acceptsRootPassword } from "../support/root-password.js";

const ctx = runCloudContract({
  name: "vultr",
  code: "VULTR",
  startFake: (opts) => startFakeVultr(opts),
  makeProvider: (creds, opts) => new VultrProvider(creds, opts),
  region: "sgp",
  size: "vc2-1c-1gb",
  image: "2284",
  createPath: "/v2/instances",
  serverPath: (id) => `/v2/instances/${id}`,
  soldOutMessage: "Plan is not available in the selected location.",
  badImage: "424242",
  missingId: "3f0c1b5e-0000-4000-8000-000000000000",
  capabilities: { actions: ["reboot", "power_off", "power_on", "reinstall"], passwordResetNeedsOff: false, consoleUrl: true },
});

describe("vultr: status mapping", () => {
  it.each([
    [{ status: "pending", power_status: "stopped", server_status: "none" }, "provisioning"],
    [{ status: "active", power_status: "stopped", server_status: "installingbooting" }, "provisioning"],
    [{ status: "active", power_status: "running", server_status: "installingbooting" }, "provisioning"],
    [{ status: "active", power_status: "running", server_status: "locked" }, "provisioning"],
    [{ status: "active", power_status: "running", server_status: "ok" }, "running"],
    [{ status: "active", power_status: "stopped", server_status: "ok" }, "off"],
    [{ status: "suspended", power_status: "stopped", server_status: "ok" }, "off"],
    [{ status: "resizing", power_status: "running", server_status: "ok" }, "provisioning"],
    [{ status: "weird", power_status: "running", server_status: "ok" }, "unknown"],
  ])("%o → %s", (wire, expected) => {
    expect(vultrStatus(wire)).toBe(expected);
  });
});

describe("vultr: provider specifics", () => {
  const fake = () => ctx.fake as FakeVultr;

  it("creates with os_id as an integer, label/hostname, tags and base64 cloud-config; default_password is not used", async () => {
    const input = ctx.input({ label: "vps-ord-20261121-7kq2m" });
    ctx.clock.hold(); // still "pending" when we look, however slow the machine
    const created = await ctx.provider.createServer(input);
    expect(created).toMatchObject({ status: "provisioning", ipv4: null, imageRef: "2284", label: "vps-ord-20261121-7kq2m" });
    expect(JSON.stringify(created)).not.toContain("default_password");
    const [server] = ctx.fake.servers();
    expect(server?.userData).toMatch(/^#cloud-config\n/);
    expect(server?.userData).toContain("expire: false");
    expect(acceptsRootPassword(server, input.rootPassword)).toBe(true);
    const [wire] = fake().instances();
    expect(wire).toMatchObject({ os_id: 2284, hostname: "vps-ord-20261121-7kq2m", main_ip: "0.0.0.0", status: "pending" });
    expect(wire).not.toHaveProperty("default_password");
  });

  it("a non-numeric image is refused before calling Vultr", async () => {
    await expectCloudError(ctx.provider.createServer(ctx.input({ imageRef: "ubuntu-24-04-x64" })), "invalid_request");
    expect(ctx.fake.requests()).toEqual([]);
  });

  it("main_ip 0.0.0.0 is no IPv4; the real one comes after server_status ok", async () => {
    const s = await ctx.createRunning();
    expect(s.ipv4).toMatch(/^198\.51\.100\./);
    expect(s.ipv6).toMatch(/^2001:db8:/);
  });

  it("consoleUrl is the kvm field; not_found for an unknown server", async () => {
    const s = await ctx.provider.createServer(ctx.input());
    expect(await ctx.provider.consoleUrl(s.id)).toMatch(/^https:\/\/my\.vultr\.com\/subs\/vps\/novnc\//);
    await expectCloudError(ctx.provider.consoleUrl("3f0c1b5e-0000-4000-8000-000000000000"), "not_found");
  });

  it("power_off is /halt (immediately off), power_on /start, reboot /reboot", async () => {
    const s = await ctx.createRunning();
    await actWhenIdle(ctx.provider, s.id, "power_off");
    expect((await ctx.provider.getServer(s.id))?.status).toBe("off");
    await actWhenIdle(ctx.provider, s.id, "power_on");
    await until(() => ctx.provider.getServer(s.id).then((x) => x as CloudServer), (x) => x.status === "running");
    ctx.clock.hold();
    await actWhenIdle(ctx.provider, s.id, "reboot");
    expect((await ctx.provider.getServer(s.id))?.status).toBe("provisioning");
    ctx.clock.release();
    await until(() => ctx.provider.getServer(s.id).then((x) => x as CloudServer), (x) => x.status === "running");
    for (const path of ["halt", "start", "reboot"]) expect(ctx.count("POST", `/v2/instances/${s.id}/${path}`)).toBe(1);
  });

  it("an action on a locked (still installing) instance → conflict", async () => {
    ctx.clock.hold();
    const s = await ctx.provider.createServer(ctx.input());
    const e = await expectCloudError(ctx.provider.action(s.id, "reboot"), "conflict");
    expect(e.message).toContain("locked");
  });

  it("shutdown and reset_password are refused (no such Vultr endpoints)", async () => {
    const s = await ctx.createRunning();
    await expectCloudError(ctx.provider.action(s.id, "shutdown"), "invalid_request");
    await expectCloudError(ctx.provider.action(s.id, "reset_password", { rootPassword: "N3w-Passw0rd!!" }), "invalid_request");
  });

  it("reinstall with a new root password replaces user_data first, then reinstalls", async () => {
    const s = await ctx.createRunning();
    ctx.clock.hold();
    await actWhenIdle(ctx.provider, s.id, "reinstall", { rootPassword: "Fresh-Reinstall-Pw1" });
    expect(ctx.count("PATCH", `/v2/instances/${s.id}`)).toBe(1);
    expect(ctx.count("POST", `/v2/instances/${s.id}/reinstall`)).toBe(1);
    expect(acceptsRootPassword(ctx.fake.servers()[0], "Fresh-Reinstall-Pw1")).toBe(true);
    expect((await ctx.provider.getServer(s.id))?.status).toBe("provisioning");
    ctx.clock.release();
    await until(() => ctx.provider.getServer(s.id).then((x) => x as CloudServer), (x) => x.status === "running");
    await expectCloudError(ctx.provider.action(s.id, "reinstall", { imageRef: "1743" }), "invalid_request");
  });

  it("Vultr's {error, status} body is what the CloudError quotes", async () => {
    ctx.fake.fail(1, { status: 400, body: { error: "Invalid plan: vc2-xx", status: 400 } });
    const e = await expectCloudError(ctx.provider.createServer(ctx.input()), "invalid_request");
    expect(e.message).toContain('Vultr said: "Invalid plan: vc2-xx"');
  });

  it("isAvailable reads /regions/{region}/availability per region", async () => {
    ctx.fake.soldOut("nrt", "vc2-2c-4gb");
    const p = ctx.make();
    expect(await p.isAvailable("nrt", "vc2-1c-1gb")).toBe(true);
    expect(await p.isAvailable("nrt", "vc2-2c-4gb")).toBe(false);
    expect(await p.isAvailable("sgp", "vc2-2c-4gb")).toBe(true);
    expect(ctx.count("GET", "/v2/regions/nrt/availability")).toBe(1);
    expect(ctx.count("GET", "/v2/regions/sgp/availability")).toBe(1);
  });
});

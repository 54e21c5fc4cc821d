/**
 * LinodeProvider against the fake Linode API: the shared contract plus Linode-only
 * behaviour (label rules, root_pass, X-Filter, public-vs-private ipv4, password reset that
 * needs the server off, rebuild, region availability, X-RateLimit headers).
 */
import { describe, expect, it } from "vitest";
import { startFakeLinode, validLinodeLabel } from "../../ops/fakes/clouds/index.js";
import { LinodeProvider, linodeLabel } from "../../shop/cloud/linode.js";
import type { CloudServer } from "../../shop/cloud/provider.js";
import { actWhenIdle, expectCloudError, runCloudContract, until } from "./contract.js";

const ctx = runCloudContract({
  name: "linode",
  code: "LINODE",
  startFake: (opts) => startFakeLinode(opts),
  makeProvider: (creds, opts) => new LinodeProvider(creds, opts),
  region: "ap-south",
  size: "g6-nanode-1",
  image: "linode/ubuntu24.04",
  createPath: "/v4/linode/instances",
  serverPath: (id) => `/v4/linode/instances/${id}`,
  soldOutMessage: "The Linode 2GB plan is sold out in Singapore, SG.",
  badImage: "linode/windows95",
  missingId: "999999999",
  capabilities: {
    actions: ["reboot", "power_off", "power_on", "shutdown", "reset_password", "reinstall"],
    passwordResetNeedsOff: true,
    consoleUrl: false,
  },
});

const status = async (id: string) => ((await ctx.provider.getServer(id)) as CloudServer).status;

describe("linode: labels", () => {
  it.each([
    ["vps-ord-20261121-7kq2m", "vps-ord-20261121-7kq2m"],
    ["vps--ord__x", "vps-ord_x"],
    ["7kq2m order", "kq2m-order"],
    ["ab", "vps-ab"],
    ["--", "vps"],
    ["x".repeat(80), "x".repeat(64)],
    ["vps.ord/2026 11!", "vps-ord-2026-11"],
  ])("%s → %s", (input, expected) => {
    expect(linodeLabel(input)).toBe(expected);
    expect(validLinodeLabel(linodeLabel(input))).toBe(true);
  });
});

describe("linode: provider specifics", () => {
  it("creates with label, region, type, image, root_pass, tags and booted: true", async () => {
    const input = ctx.input({ label: "vps--ord 2026" });
    ctx.clock.hold(); // still provisioning when we look, however slow the machine
    const created = await ctx.provider.createServer(input);
    expect(created).toMatchObject({ label: "vps-ord-2026", status: "provisioning", ipv4: null, imageRef: "linode/ubuntu24.04", tags: [input.tag] });
    expect(ctx.fake.servers()[0]).toMatchObject({ rootPassword: input.rootPassword, status: "provisioning" });
  });

  it("the public IPv4 is picked over the private 192.168.x one that appears first", async () => {
    const created = await ctx.provider.createServer(ctx.input());
    const noPublicYet = await until(() => ctx.provider.getServer(created.id).then((x) => x as CloudServer), (x) => x.status === "running");
    if (noPublicYet.ipv4 !== null) expect(noPublicYet.ipv4).toMatch(/^192\.0\.2\./);
    const s = await until(() => ctx.provider.getServer(created.id).then((x) => x as CloudServer), (x) => x.ipv4 !== null);
    expect(s.ipv4).toMatch(/^192\.0\.2\./);
    expect(s.ipv6).toMatch(/^2001:db8:30::[0-9a-f]+$/);
    expect(s.createdAt).toMatch(/Z$/);
  });

  it("findByTag sends X-Filter {\"tags\": tag}", async () => {
    const input = ctx.input();
    await ctx.provider.createServer(input);
    ctx.clock.hold(); // the reset is compared with the fake's own "now"
    const res = await fetch(`${ctx.fake.url}/linode/instances`, {
      headers: { authorization: `Bearer ${ctx.fake.token}`, "x-filter": JSON.stringify({ tags: input.tag }) },
    });
    const body = (await res.json()) as { data: unknown[]; results: number };
    expect(body.results).toBe(1);
    expect(res.headers.get("x-ratelimit-limit")).toBe("1600");
    expect(res.headers.get("x-ratelimit-remaining")).toMatch(/^\d+$/);
    expect(Number(res.headers.get("x-ratelimit-reset"))).toBeGreaterThan(ctx.clock.now() / 1000);
    expect((await ctx.provider.findByTag(input.tag)).length).toBe(1);
  });

  it("reboot shows 'rebooting' then running; shutdown → off; boot → running", async () => {
    const s = await ctx.createRunning();
    ctx.clock.hold();
    await actWhenIdle(ctx.provider, s.id, "reboot");
    expect(await status(s.id)).toBe("rebooting");
    ctx.clock.release();
    await until(() => status(s.id), (v) => v === "running");
    await actWhenIdle(ctx.provider, s.id, "shutdown");
    expect(await status(s.id)).toBe("off"); // shutting_down already counts as off
    await actWhenIdle(ctx.provider, s.id, "power_on");
    await until(() => status(s.id), (v) => v === "running");
    // power_on was first refused ("Linode busy." while shutting down) and retried by actWhenIdle.
    const ok = (path: string) => ctx.fake.requests().filter((r) => r.method === "POST" && r.path === path && r.status === 200).length;
    expect(ok(`/v4/linode/instances/${s.id}/shutdown`)).toBe(1);
    expect(ok(`/v4/linode/instances/${s.id}/boot`)).toBe(1);
  });

  it("an action while Linode is busy → conflict ('Linode busy.')", async () => {
    ctx.clock.hold(); // still booting when the reboot comes
    const s = await ctx.provider.createServer(ctx.input());
    const e = await expectCloudError(ctx.provider.action(s.id, "reboot"), "conflict");
    expect(e.message).toContain("Linode busy.");
  });

  it("reset_password is refused while running (no API call), allowed once off", async () => {
    const s = await ctx.createRunning();
    const e = await expectCloudError(ctx.provider.action(s.id, "reset_password", { rootPassword: "Brand-New-Pass-42" }), "conflict");
    expect(e.message).toMatch(/must be turned off/);
    expect(e.message).toContain("running");
    expect(ctx.count("POST", `/v4/linode/instances/${s.id}/password`)).toBe(0);

    ctx.clock.hold();
    await actWhenIdle(ctx.provider, s.id, "power_off");
    // shutting_down maps to "off" but the password endpoint needs it fully offline.
    await expectCloudError(ctx.provider.action(s.id, "reset_password", { rootPassword: "Brand-New-Pass-42" }), "conflict");
    ctx.clock.release();
    await until(() => ctx.provider.getServer(s.id).then(() => ctx.fake.servers()[0]?.status), (v) => v === "offline");
    await ctx.provider.action(s.id, "reset_password", { rootPassword: "Brand-New-Pass-42" });
    expect(ctx.count("POST", `/v4/linode/instances/${s.id}/password`)).toBe(1);
    expect(ctx.fake.servers()[0]?.rootPassword).toBe("Brand-New-Pass-42");
  });

  it("reset_password and reinstall need a root password", async () => {
    const s = await ctx.createRunning();
    await expectCloudError(ctx.provider.action(s.id, "reset_password"), "invalid_request");
    await expectCloudError(ctx.provider.action(s.id, "reinstall"), "invalid_request");
  });

  it("reinstall rebuilds with {image, root_pass} (current image by default)", async () => {
    const s = await ctx.createRunning();
    ctx.clock.hold();
    await actWhenIdle(ctx.provider, s.id, "reinstall", { rootPassword: "Rebuilt-Pass-0042" });
    expect(await status(s.id)).toBe("provisioning");
    ctx.clock.release();
    await until(() => status(s.id), (v) => v === "running");
    expect(ctx.fake.servers()[0]).toMatchObject({ image: "linode/ubuntu24.04", rootPassword: "Rebuilt-Pass-0042" });
    await actWhenIdle(ctx.provider, s.id, "reinstall", { rootPassword: "Rebuilt-Pass-0043", imageRef: "linode/debian12" });
    await until(() => ctx.provider.getServer(s.id).then((x) => x as CloudServer), (x) => x.status === "running" && x.imageRef === "linode/debian12");
  });

  it("Linode's {errors: [{reason, field}]} is quoted with the field", async () => {
    await ctx.provider.createServer(ctx.input({ label: "vps-dupe-label" }));
    const e = await expectCloudError(ctx.provider.createServer(ctx.input({ label: "vps-dupe-label" })), "invalid_request");
    expect(e.message).toContain('Linode said: "label: Label must be unique among your Linodes"');
    expect(e.status).toBe(400);
  });

  it("isAvailable: region status ok + type exists + not limited in /regions/{id}/availability", async () => {
    ctx.fake.soldOut("id-cgk", "g6-standard-2");
    const p = ctx.make();
    expect(await p.isAvailable("id-cgk", "g6-nanode-1")).toBe(true);
    expect(await p.isAvailable("id-cgk", "g6-standard-2")).toBe(false);
    expect(await p.isAvailable("ap-south", "g6-standard-2")).toBe(true);
    expect(await p.isAvailable("mars-1", "g6-nanode-1")).toBe(false);
    expect(await p.isAvailable("ap-south", "g9-huge")).toBe(false);
    expect(ctx.count("GET", "/v4/regions")).toBe(1);
    expect(ctx.count("GET", "/v4/linode/types")).toBe(1);
  });

  it("listSizes reports disk in GB and the ok regions; listImages drops deprecated images", async () => {
    const sizes = await ctx.provider.listSizes();
    expect(sizes.find((s) => s.slug === "g6-nanode-1")).toEqual({ slug: "g6-nanode-1", vcpus: 1, memoryMb: 1024, diskGb: 25, regions: expect.arrayContaining(["ap-south", "id-cgk"]) });
    const images = await ctx.provider.listImages();
    expect(images.map((i) => i.ref)).not.toContain("linode/ubuntu18.04");
  });
});

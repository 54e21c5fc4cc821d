/**
 * The pure helpers the adapters share: message classification (sold out / busy),
 * cloud-config, labels, private IPv4 ranges and the availability TTL cache.
 */
import { describe, expect, it } from "vitest";
import { passwordFromCloudConfig } from "../../ops/fakes/clouds/index.js";
import { TtlCache, hostnameLabel, isConflictMessage, isPrivateIpv4, isSoldOutMessage, rootPasswordCloudConfig } from "../../shop/cloud/common.js";
import { sha512Crypt } from "../../shop/crypto/sha512-crypt.js";

describe("provider message classification", () => {
  it.each([
    "Size is not available in this region.",
    "The size you selected is not available in the selected region.",
    "Region is currently unavailable.",
    "Plan is not available in the selected location.",
    "The Linode 4GB plan is sold out in Jakarta, ID.",
    "Linode type g6-standard-2 is not currently available in this region",
    "Insufficient capacity in this datacenter",
    "Out of stock",
  ])("sold out: %s", (m) => {
    expect(isSoldOutMessage(m)).toBe(true);
  });

  it.each([
    "You specified an invalid size for Droplet creation.",
    "Invalid plan.",
    "image is not available in this region",
    "The SSH key is not available",
    "Label must be unique among your Linodes",
    "Unable to authenticate you.",
  ])("not sold out: %s", (m) => {
    expect(isSoldOutMessage(m)).toBe(false);
  });

  it.each(["Droplet already has a pending event.", "Linode busy.", "Server is currently locked", "Another action is in progress", "Linode must be shut down to reset its root password."])(
    "busy: %s",
    (m) => {
      expect(isConflictMessage(m)).toBe(true);
    },
  );

  it.each(["Droplet is already powered off.", "Invalid os_id.", "Size is not available in this region."])("not busy: %s", (m) => {
    expect(isConflictMessage(m)).toBe(false);
  });
});

describe("rootPasswordCloudConfig", () => {
  it("sets root's password as a SHA-512 crypt hash (both chpasswd forms), no expiry, password SSH on", () => {
    const text = rootPasswordCloudConfig('a"b\\c:d #e', "0123456789abcdef");
    const hash = sha512Crypt('a"b\\c:d #e', "0123456789abcdef");
    expect(text.split("\n")[0]).toBe("#cloud-config");
    expect(text).toContain("ssh_pwauth: true");
    expect(text).toContain("  expire: false");
    expect(text).toContain("    - name: root");
    expect(text).toContain(`      password: "${hash}"`);
    expect(text).toContain("      type: hash");
    expect(text).toContain(`    - "root:${hash}"`);
    expect(text).not.toContain("c:d #e"); // the text itself is nowhere
    expect(passwordFromCloudConfig(text)).toBe(hash);
  });
});

describe("labels and addresses", () => {
  it.each([
    ["vps-ord-20261121-7kq2m", "vps-ord-20261121-7kq2m"],
    ["  vps ord/2026  ", "vps-ord-2026"],
    ["---x---", "x"],
    ["!!!", "vps"],
  ])("hostnameLabel(%s) = %s", (input, expected) => {
    expect(hostnameLabel(input)).toBe(expected);
  });

  it("hostnameLabel keeps dots only when allowed and caps the length", () => {
    expect(hostnameLabel("a.b.c")).toBe("a-b-c");
    expect(hostnameLabel("a.b.c", 255, true)).toBe("a.b.c");
    expect(hostnameLabel("y".repeat(70))).toHaveLength(63);
  });

  it.each([
    ["10.1.2.3", true],
    ["172.16.0.1", true],
    ["172.32.0.1", false],
    ["192.168.139.4", true],
    ["100.64.0.1", true],
    ["169.254.1.1", true],
    ["127.0.0.1", true],
    ["203.0.113.7", false],
    ["45.79.1.2", false],
    ["not-an-ip", true],
  ])("isPrivateIpv4(%s) = %s", (ip, expected) => {
    expect(isPrivateIpv4(ip)).toBe(expected);
  });
});

describe("TtlCache", () => {
  it("shares one in-flight load, caches until the TTL, never caches failures", async () => {
    let now = 0;
    const cache = new TtlCache(1_000, () => now);
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.get("k", load), cache.get("k", load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    now = 999;
    expect(await cache.get("k", load)).toBe(1);
    now = 1_000;
    expect(await cache.get("k", load)).toBe(2);

    await expect(cache.get("bad", async () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.get("bad", async () => "ok")).toBe("ok");
  });
});

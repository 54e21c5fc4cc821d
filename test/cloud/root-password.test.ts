/**
 * Root passwords on the wire: SHA-512 crypt (shop/crypto/sha512-crypt.ts) checked against the
 * specification's vectors and `openssl passwd -6`, and what each adapter really sends. The
 * DigitalOcean and Vultr user_data (readable from inside the VPS for its whole life) carry only
 * the `$6$` hash; Linode takes the text in `root_pass`, its required API field that Linode's
 * own provisioning writes to the disk, and gets no user_data at all.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { DigitalOceanProvider } from "../../shop/cloud/digitalocean.js";
import { LinodeProvider } from "../../shop/cloud/linode.js";
import { VultrProvider } from "../../shop/cloud/vultr.js";
import { newCryptSalt, sha512Crypt, verifySha512Crypt } from "../../shop/crypto/sha512-crypt.js";
import { generateRootPassword } from "../../shop/provisioning/passwords.js";
import { acceptsRootPassword } from "../support/root-password.js";
import { actWhenIdle, FAST, until } from "./contract.js";

/** The vectors of Drepper's "Unix crypt using SHA-256 and SHA-512", SHA-512 part. */
const SPEC_VECTORS: Array<[salt: string, rounds: number | undefined, password: string, hash: string]> = [
  ["saltstring", undefined, "Hello world!", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"],
  ["saltstringsaltstring", 10000, "Hello world!", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."],
  ["toolongsaltstring", 5000, "This is just a test", "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"],
  [
    "anotherlongsaltstring",
    1400,
    "a very much longer text to encrypt.  This one even stretches over morethan one line.",
    "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1",
  ],
  ["short", 77777, "we have a short salt string but not a short password", "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0"],
  ["asaltof16chars..", 123456, "a short string", "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1"],
  ["roundstoolow", 10, "the minimum number is still observed", "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."],
];

describe("sha512Crypt", () => {
  it.each(SPEC_VECTORS)("spec vector: salt %s, rounds %s", (salt, rounds, password, hash) => {
    expect(sha512Crypt(password, salt, rounds)).toBe(hash);
    expect(verifySha512Crypt(password, hash)).toBe(true);
    expect(verifySha512Crypt(`${password}x`, hash)).toBe(false);
  });

  it("matches `openssl passwd -6` for our generated passwords and fresh salts (default 5000 rounds)", () => {
    const tricky = [`pa"ss:wo\\rd'#{}-x9`, "Gunung-Rinjani.2026@%", "x".repeat(65), "sixty-four-bytes".repeat(4), "ümlaut-ßpässwört"];
    for (const password of [...Array.from({ length: 5 }, () => generateRootPassword()), ...tricky]) {
      const salt = newCryptSalt();
      expect(salt).toMatch(/^[./0-9A-Za-z]{16}$/);
      const ours = sha512Crypt(password, salt);
      const openssl = execFileSync("openssl", ["passwd", "-6", "-salt", salt, "-stdin"], { input: `${password}\n` }).toString().trim();
      expect(ours, password).toBe(openssl);
      expect(verifySha512Crypt(password, ours)).toBe(true);
    }
  });

  it("two salts never give the same hash; malformed hashes verify nothing", () => {
    const password = generateRootPassword();
    expect(sha512Crypt(password, newCryptSalt())).not.toBe(sha512Crypt(password, newCryptSalt()));
    for (const bad of ["", password, "$6$salt$short", "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZF7cw7ZB1", "$1$abc$def"]) {
      expect(verifySha512Crypt(password, bad)).toBe(false);
    }
  });
});

describe("what each cloud is told", () => {
  let clouds: FakeClouds;
  const bodies: Array<{ url: string; body: string }> = [];
  const recording: typeof fetch = async (input, init) => {
    bodies.push({ url: String(input), body: typeof init?.body === "string" ? init.body : "" });
    return fetch(input, init);
  };
  const fetchOptions = { sleep: async () => undefined, random: () => 0.5, timeoutMs: 2_000, fetch: recording };

  beforeAll(async () => {
    clouds = await startFakeClouds(FAST);
  });
  afterAll(async () => {
    await clouds?.stop();
  });

  const sent = (path: RegExp) => bodies.filter((b) => b.body !== "" && path.test(new URL(b.url).pathname)).map((b) => JSON.parse(b.body) as Record<string, unknown>);

  it("DigitalOcean: the user_data holds the hash, the password text is in no request", async () => {
    const provider = new DigitalOceanProvider(clouds.providers.digitalocean, { fetchOptions });
    const password = generateRootPassword();
    await provider.createServer({ label: "vps-hash-do", region: "sgp1", sizeSlug: "s-1vcpu-1gb", imageRef: "ubuntu-22-04-x64", rootPassword: password, tag: "order-HASH-DO" });
    const [create] = sent(/^\/v2\/droplets$/);
    expect(String(create!.user_data)).toMatch(/type: hash/);
    expect(bodies.some((b) => b.body.includes(password))).toBe(false);
    const [server] = clouds.digitalocean.servers();
    expect(server).toMatchObject({ rootPassword: null, rootPasswordHash: expect.stringMatching(/^\$6\$[./0-9A-Za-z]{16}\$/) });
    expect(acceptsRootPassword(server, password)).toBe(true);
    expect(acceptsRootPassword(server, generateRootPassword())).toBe(false);
  });

  it("Vultr: the base64 user_data of the create and of a reinstall's PATCH hold only the hash", async () => {
    const provider = new VultrProvider(clouds.providers.vultr, { fetchOptions });
    const first = generateRootPassword();
    const created = await provider.createServer({ label: "vps-hash-vultr", region: "sgp", sizeSlug: "vc2-1c-1gb", imageRef: "1743", rootPassword: first, tag: "order-HASH-VULTR" });
    await until(() => provider.getServer(created.id).then((s) => s!), (s) => s.status === "running");
    const second = generateRootPassword();
    await actWhenIdle(provider, created.id, "reinstall", { rootPassword: second });
    const userData = [...sent(/^\/v2\/instances$/), ...sent(new RegExp(`^/v2/instances/${created.id}$`))].map((b) => Buffer.from(String(b.user_data), "base64").toString("utf8"));
    expect(userData).toHaveLength(2);
    for (const text of userData) expect(text).toMatch(/password: "\$6\$[^"]+"\n\s+type: hash/);
    expect(bodies.some((b) => b.body.includes(first) || b.body.includes(second))).toBe(false);
    const server = clouds.vultr.servers().find((s) => s.id === created.id);
    expect(acceptsRootPassword(server, second)).toBe(true);
    expect(acceptsRootPassword(server, first)).toBe(false);
  });

  it("Linode: root_pass (required by the API, set by Linode itself) and no user_data or metadata", async () => {
    const provider = new LinodeProvider(clouds.providers.linode, { fetchOptions });
    const password = generateRootPassword();
    await provider.createServer({ label: "vps-hash-linode", region: "ap-south", sizeSlug: "g6-nanode-1", imageRef: "linode/ubuntu22.04", rootPassword: password, tag: "order-HASH-LINODE" });
    const [create] = sent(/^\/v4\/linode\/instances$/);
    expect(create).toMatchObject({ root_pass: password });
    expect(create).not.toHaveProperty("metadata");
    expect(create).not.toHaveProperty("user_data");
  });
});

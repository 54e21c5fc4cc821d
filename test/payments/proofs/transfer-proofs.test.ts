/**
 * Transfer screenshots (shop/payments/proofs/*): real images made with sharp — one carrying
 * EXIF with a GPS position — are cleaned, sealed, stored in the row, read back and purged by
 * other "hosts" (their own Prisma client and an empty DATA_DIR), tampered with; proofs stored as
 * files before the bytes moved into the database are still read and purged. Real Postgres.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "../../../db/client.js";
import { SecretboxError, open, ready, seal } from "../../../shop/crypto/secretbox.js";
import { newOrderReference } from "../../../shop/orders/reference.js";
import { prepareProofImage, ProofUnavailableError, purgeProofs, readProof, storeProof } from "../../../shop/payments/proofs/transfer-proofs.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.js";
import { legacyProof } from "./legacy.js";

let db: TestDatabase;
let prisma: PrismaClient;
let dataDir: string;
let userId: number;
let orderId: number;
let paymentId: number;
const key = new Uint8Array(randomBytes(32));
const hosts: Array<{ prisma: PrismaClient; dataDir: string }> = [];

const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const SECRET_MARKERS = ["Exif", "iPhone 15 Pro", "rumah-di-menteng", "JFIF", "Apple"];

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  dataDir = await mkdtemp(join(tmpdir(), "vps-proofs-"));
  const user = await prisma.user.create({ data: { telegramId: 7_300_001n, firstName: "Sari" } });
  userId = user.id;
  const order = await prisma.order.create({
    data: {
      reference: newOrderReference(),
      userId,
      kind: "WALLET_TOPUP",
      status: "PENDING_PAYMENT",
      basePriceIdr: 100_000,
      totalIdr: 100_000,
      snapshot: {},
    },
  });
  orderId = order.id;
  paymentId = (
    await prisma.payment.create({
      data: { orderId, gateway: "MANUAL_TRANSFER", attemptRef: `MT-${order.reference}`, amountIdr: 100_000, uniqueCodeIdr: 123, totalIdr: 100_123, status: "PENDING" },
    })
  ).id;
});

afterAll(async () => {
  for (const host of hosts) {
    await host.prisma.$disconnect();
    await rm(host.dataDir, { recursive: true, force: true });
  }
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A 1200×900 phone-like photo with EXIF: camera, a description and a GPS position (Jakarta). */
async function photoWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 1200, height: 900, channels: 3, background: "#2f6fb5" } })
    .composite([{ input: { create: { width: 400, height: 300, channels: 3, background: "#ffffff" } }, top: 100, left: 100 }])
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Make: "Apple", Model: "iPhone 15 Pro", ImageDescription: "rumah-di-menteng" },
      IFD3: { GPSLatitudeRef: "S", GPSLatitude: "6/1 11/1 3000/100", GPSLongitudeRef: "E", GPSLongitude: "106/1 50/1 0/1" },
    })
    .toBuffer();
}

/** Minimal EXIF reader: the GPS IFD's GPSLatitudeRef ("N"/"S"), or null without GPS data. */
function gpsLatitudeRef(exif: Buffer | undefined): string | null {
  if (!exif) return null;
  const tiff = exif.subarray(exif.indexOf("Exif\0\0") + 6);
  const le = tiff.toString("latin1", 0, 2) === "II";
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const entries = (ifd: number) => Array.from({ length: u16(ifd) }, (_, i) => ifd + 2 + i * 12);
  const gpsPointer = entries(u32(4)).find((e) => u16(e) === 0x8825);
  if (gpsPointer === undefined) return null;
  const latRef = entries(u32(gpsPointer + 8)).find((e) => u16(e) === 0x0001);
  return latRef === undefined ? null : tiff.toString("latin1", latRef + 8, latRef + 9);
}

/** A tiny PNG whose header claims `width`×`height` (the shape of a decompression bomb). */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(4096))), chunk("IEND", Buffer.alloc(0))]);
}

async function prepared(bytes: Buffer): Promise<Buffer> {
  const r = await prepareProofImage(bytes);
  if (!r.ok) throw new Error(`expected an image, got ${r.reason}`);
  return r.image;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

describe("secretbox", () => {
  it("seals with a fresh nonce each time, opens, and refuses tampering, truncation and wrong keys", async () => {
    await ready();
    const message = new TextEncoder().encode("root-password: s3cr3t!");
    const a = seal(key, message);
    const b = seal(key, message);
    expect(a.length).toBe(24 + message.length + 16);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(Buffer.from(a.subarray(0, 24)).equals(Buffer.from(b.subarray(0, 24)))).toBe(false);
    expect(new TextDecoder().decode(open(key, a))).toBe("root-password: s3cr3t!");

    const flipped = Uint8Array.from(a);
    flipped[30]! ^= 0x01;
    expect(() => open(key, flipped)).toThrow(SecretboxError);
    expect(() => open(key, flipped)).toThrow(/tampered with or sealed under a different key/);
    expect(() => open(new Uint8Array(randomBytes(32)), a)).toThrow(SecretboxError);
    expect(() => open(key, a.subarray(0, 39))).toThrow(/too short/);
    expect(() => seal(new Uint8Array(16), message)).toThrow(/32 bytes/);
  });
});

describe("prepareProofImage", () => {
  it("re-encodes a photo with EXIF GPS as a metadata-free JPEG", async () => {
    const photo = await photoWithGps();
    const source = await sharp(photo).metadata();
    expect(gpsLatitudeRef(source.exif)).toBe("S"); // the input really carries a GPS position
    for (const marker of ["Exif", "iPhone 15 Pro", "rumah-di-menteng"]) expect(photo.includes(marker)).toBe(true);

    const r = await prepareProofImage(photo);
    expect(r).toMatchObject({ ok: true, width: 1200, height: 900, sourceFormat: "jpeg" });
    const image = r.ok ? r.image : Buffer.alloc(0);
    expect(image.subarray(0, 3)).toEqual(JPEG_MAGIC);
    const out = await sharp(image).metadata();
    expect(out).toMatchObject({ format: "jpeg", width: 1200, height: 900 });
    expect(out.exif).toBeUndefined();
    expect(out.xmp).toBeUndefined();
    expect(out.iptc).toBeUndefined();
    expect(gpsLatitudeRef(out.exif)).toBeNull();
    for (const marker of ["Exif", "iPhone 15 Pro", "rumah-di-menteng", "Apple"]) expect(image.includes(marker)).toBe(false);
  });

  it("accepts PNG (alpha flattened), WebP, GIF and AVIF/HEIF; scales to maxDimension; applies EXIF orientation", async () => {
    const png = await sharp({ create: { width: 4000, height: 3000, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const fromPng = await prepareProofImage(png);
    expect(fromPng).toMatchObject({ ok: true, width: 2000, height: 1500, sourceFormat: "png" });
    const pixel = await sharp(fromPng.ok ? fromPng.image : Buffer.alloc(0)).raw().toBuffer();
    expect([pixel[0], pixel[1], pixel[2]].every((c) => c! > 245)).toBe(true); // transparent → white, not black

    const base = () => sharp({ create: { width: 300, height: 200, channels: 3, background: "#c0392b" } });
    expect(await prepareProofImage(await base().webp().toBuffer())).toMatchObject({ ok: true, width: 300, height: 200, sourceFormat: "webp" });
    expect(await prepareProofImage(await base().gif().toBuffer())).toMatchObject({ ok: true, width: 300, height: 200, sourceFormat: "gif" });
    expect(await prepareProofImage(await base().avif().toBuffer())).toMatchObject({ ok: true, width: 300, height: 200, sourceFormat: "heif" });
    expect(await prepareProofImage(await base().png().toBuffer(), { maxDimension: 100 })).toMatchObject({ ok: true, width: 100, height: 67 });

    // an animated GIF: the first frame only (red), not a strip of all frames
    const frame = (background: string) => sharp({ create: { width: 120, height: 80, channels: 3, background } }).png().toBuffer();
    const animated = await sharp([await frame("#ff0000"), await frame("#0000ff")], { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(animated).metadata()).pages).toBe(2);
    const first = await prepareProofImage(animated);
    expect(first).toMatchObject({ ok: true, width: 120, height: 80, sourceFormat: "gif" });
    const { dominant } = await sharp(first.ok ? first.image : Buffer.alloc(0)).stats();
    expect(dominant.r).toBeGreaterThan(200);
    expect(dominant.b).toBeLessThan(60);

    // a portrait phone photo stored landscape + Orientation 6 is output as displayed (portrait)
    const rotated = await base().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await prepareProofImage(rotated)).toMatchObject({ ok: true, width: 200, height: 300 });
  });

  it("refuses non-images, truncated images, oversized files and absurd dimensions", async () => {
    const jpeg = await photoWithGps();
    expect(await prepareProofImage(Buffer.from("bukan gambar, cuma teks"))).toEqual({ ok: false, reason: "not_image" });
    expect(await prepareProofImage(Buffer.alloc(0))).toEqual({ ok: false, reason: "not_image" });
    expect(await prepareProofImage(Buffer.from("%PDF-1.7\n1 0 obj << >> endobj\n"))).toEqual({ ok: false, reason: "not_image" });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    expect(await sharp(svg).metadata()).toMatchObject({ format: "svg" }); // sharp would take it…
    expect(await prepareProofImage(svg)).toEqual({ ok: false, reason: "not_image" }); // …we do not
    expect(await prepareProofImage(await sharp({ create: { width: 20, height: 20, channels: 3, background: "#000" } }).tiff().toBuffer())).toEqual({ ok: false, reason: "not_image" });
    expect(await prepareProofImage(Buffer.concat([JPEG_MAGIC, randomBytes(5_000)]))).toEqual({ ok: false, reason: "not_image" });
    expect(await prepareProofImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).toEqual({ ok: false, reason: "not_image" });

    expect(await prepareProofImage(Buffer.concat([jpeg, Buffer.alloc(10 * 1024 * 1024)]))).toEqual({ ok: false, reason: "too_large" });
    expect(await prepareProofImage(jpeg, { maxInputBytes: jpeg.length - 1 })).toEqual({ ok: false, reason: "too_large" });

    expect(await prepareProofImage(pngBomb(30_000, 30_000))).toEqual({ ok: false, reason: "too_big_dimensions" });
    expect(await prepareProofImage(pngBomb(20_000, 10))).toEqual({ ok: false, reason: "too_big_dimensions" });
    expect(await prepareProofImage(jpeg, { maxInputPixels: 1200 * 900 - 1 })).toEqual({ ok: false, reason: "too_big_dimensions" });
  });
});

/** Another "host" of the same shop: its own Prisma client (pool) and its own, empty DATA_DIR. */
async function otherHost(): Promise<{ prisma: PrismaClient; dataDir: string }> {
  const host = { prisma: createPrisma(db.url, { max: 2 }), dataDir: await mkdtemp(join(tmpdir(), "vps-proofs-host-")) };
  hosts.push(host);
  return host;
}

describe("storeProof / readProof", () => {
  it("keeps only ciphertext, in the row, and another host with an empty DATA_DIR reads back the clean JPEG", async () => {
    const image = await prepared(await photoWithGps());
    const stored = await storeProof(prisma, { key, orderId, userId, paymentId, image });
    expect(stored.sizeBytes).toBe(image.length + 40);

    const row = await prisma.transferProof.findUniqueOrThrow({ where: { id: stored.proofId } });
    expect(row).toMatchObject({ orderId, userId, paymentId, storagePath: null, sizeBytes: stored.sizeBytes, mimeType: "image/jpeg", status: "PENDING", purgedAt: null });
    const sealed = Buffer.from(row.sealed!);
    expect(sealed.length).toBe(stored.sizeBytes);
    // Nothing readable in the database: no image header, no EXIF, no identifying strings.
    expect(await sharp(sealed).metadata().catch(() => "undecodable")).toBe("undecodable");
    expect(sealed.subarray(0, 3).equals(JPEG_MAGIC) || sealed.subarray(0, 4).equals(PNG_MAGIC)).toBe(false);
    for (const marker of SECRET_MARKERS) expect(sealed.includes(marker)).toBe(false);
    expect(await filesUnder(dataDir)).toEqual([]);

    const seller = await otherHost();
    const back = await readProof(seller.prisma, { key, dataDir: seller.dataDir, proofId: stored.proofId });
    expect(back.equals(image)).toBe(true);
    const meta = await sharp(back).metadata();
    expect(meta).toMatchObject({ format: "jpeg", width: 1200, height: 900 });
    expect(meta.exif).toBeUndefined();
    expect(back.includes("Exif")).toBe(false);
    expect(await filesUnder(seller.dataDir)).toEqual([]);

    // two stores of the same picture do not look alike
    const again = await storeProof(prisma, { key, orderId, userId, image });
    expect(Buffer.from((await prisma.transferProof.findUniqueOrThrow({ where: { id: again.proofId }, select: { sealed: true } })).sealed!).equals(sealed)).toBe(false);
  });

  it("tampered bytes or a wrong key fail to open; unknown proofs are reported", async () => {
    const image = await prepared(await sharp({ create: { width: 320, height: 640, channels: 3, background: "#1abc9c" } }).png().toBuffer());
    const stored = await storeProof(prisma, { key, orderId, userId, image });
    const { sealed } = await prisma.transferProof.findUniqueOrThrow({ where: { id: stored.proofId }, select: { sealed: true } });
    const bytes = new Uint8Array(sealed!);
    bytes[bytes.length - 100]! ^= 0x80;
    await prisma.transferProof.update({ where: { id: stored.proofId }, data: { sealed: bytes } });
    await expect(readProof(prisma, { key, dataDir, proofId: stored.proofId })).rejects.toBeInstanceOf(SecretboxError);

    const fresh = await storeProof(prisma, { key, orderId, userId, image });
    await expect(readProof(prisma, { key: new Uint8Array(randomBytes(32)), dataDir, proofId: fresh.proofId })).rejects.toThrow(/tampered with or sealed under a different key/);
    await expect(readProof(prisma, { key, dataDir, proofId: 999_999 })).rejects.toMatchObject({ reason: "not_found" });
  });

  it("a proof stored as a file before the bytes moved into the row is still read where its file is, never outside DATA_DIR/proofs", async () => {
    const image = await prepared(await photoWithGps());
    const legacy = await legacyProof(prisma, { key, dataDir, orderId, userId, image });
    expect((await readProof(prisma, { key, dataDir, proofId: legacy.proofId })).equals(image)).toBe(true);
    const elsewhere = await otherHost();
    await expect(readProof(elsewhere.prisma, { key, dataDir: elsewhere.dataDir, proofId: legacy.proofId })).rejects.toMatchObject({ reason: "file_missing" });

    // A row pointing outside the proofs folder is refused before any file is opened.
    await writeFile(join(dataDir, "outside.bin"), await readFile(join(dataDir, legacy.storagePath)));
    for (const storagePath of ["outside.bin", "proofs/../outside.bin", "../outside.bin", `${dataDir}/outside.bin`, "proofs/sub/x.bin", "proofs"]) {
      await prisma.transferProof.update({ where: { id: legacy.proofId }, data: { storagePath } });
      await expect(readProof(prisma, { key, dataDir, proofId: legacy.proofId })).rejects.toThrow(/invalid proof storage path/);
    }
    await rm(join(dataDir, "outside.bin"));
  });

  it("a row has its bytes in one place until it is purged, and none after", async () => {
    const image = await prepared(await photoWithGps());
    const stored = await storeProof(prisma, { key, orderId, userId, image });
    await expect(prisma.transferProof.update({ where: { id: stored.proofId }, data: { storagePath: "proofs/x.bin" } })).rejects.toThrow(/transfer_proofs_one_place/);
    await expect(prisma.transferProof.update({ where: { id: stored.proofId }, data: { sealed: null } })).rejects.toThrow(/transfer_proofs_bytes_until_purged/);
    await expect(prisma.transferProof.update({ where: { id: stored.proofId }, data: { purgedAt: new Date() } })).rejects.toThrow(/transfer_proofs_bytes_until_purged/);
  });

  it("refuses raw uploads: only prepareProofImage output is stored", async () => {
    const count = await prisma.transferProof.count();
    await expect(storeProof(prisma, { key, orderId, userId, image: await photoWithGps() })).rejects.toThrow(TypeError);
    await expect(storeProof(prisma, { key, orderId, userId, image: await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } }).png().toBuffer() })).rejects.toThrow(TypeError);
    expect(await prisma.transferProof.count()).toBe(count);
  });
});

describe("purgeProofs", () => {
  it("a third host purges only proofs older than the cut-off (rows and legacy files), marks them purged, and is idempotent", async () => {
    const purgeDir = await mkdtemp(join(tmpdir(), "vps-proofs-purge-"));
    try {
      const image = await prepared(await photoWithGps());
      const store = () => storeProof(prisma, { key, orderId, userId, image });
      const [old1, old2, old3, recent] = [await store(), await store(), await store(), await store()];
      const [oldFile, goneFile, recentFile] = [await legacyProof(prisma, { key, dataDir: purgeDir, orderId, userId, image }), await legacyProof(prisma, { key, dataDir: purgeDir, orderId, userId, image }), await legacyProof(prisma, { key, dataDir: purgeDir, orderId, userId, image })];
      const old = [old1, old2, old3, oldFile, goneFile];
      const now = new Date();
      await prisma.transferProof.updateMany({ where: { id: { in: old.map((p) => p.proofId) } }, data: { createdAt: new Date(now.getTime() - 40 * 24 * 3600_000) } });
      const cutoff = new Date(now.getTime() - 30 * 24 * 3600_000);
      await unlink(join(purgeDir, goneFile.storagePath)); // already gone (e.g. a crash mid-purge)

      const purger = await otherHost();
      expect(await purgeProofs(purger.prisma, { dataDir: purgeDir, olderThan: cutoff, batchSize: 2 })).toBe(5);
      await expect(stat(join(purgeDir, oldFile.storagePath))).rejects.toMatchObject({ code: "ENOENT" });
      for (const p of old) {
        expect(await prisma.transferProof.findUniqueOrThrow({ where: { id: p.proofId }, select: { purgedAt: true, sealed: true } })).toEqual({ purgedAt: expect.any(Date), sealed: null });
        await expect(readProof(prisma, { key, dataDir: purgeDir, proofId: p.proofId })).rejects.toBeInstanceOf(ProofUnavailableError);
        await expect(readProof(prisma, { key, dataDir: purgeDir, proofId: p.proofId })).rejects.toMatchObject({ reason: "purged" });
      }
      expect((await readProof(prisma, { key, dataDir, proofId: recent.proofId })).equals(image)).toBe(true);
      expect((await readProof(prisma, { key, dataDir: purgeDir, proofId: recentFile.proofId })).equals(image)).toBe(true);
      expect(await purgeProofs(purger.prisma, { dataDir: purgeDir, olderThan: cutoff })).toBe(0);
      expect(await filesUnder(purgeDir)).toEqual([join(purgeDir, recentFile.storagePath)]);
    } finally {
      await rm(purgeDir, { recursive: true, force: true });
    }
  });
});

/**
 * Cleaning a customer's transfer screenshot before anything keeps it.
 *
 * Why: uploads are untrusted bytes. Phone photos carry EXIF (GPS position, device, time) that
 * a seller has no need for, and an "image" may be anything from an SVG with scripts to a
 * decompression bomb. So we accept only real raster images of sane size, decode them with
 * sharp (libvips) under a pixel limit, and keep only a freshly encoded JPEG without any
 * metadata, scaled down to what a reviewer needs to read a bank receipt.
 */
import type { default as Sharp } from "sharp";

/** sharp (libvips, ~7 MiB of shared library plus its heap) is loaded at the first screenshot, not at start: most processes never decode one. */
let sharpModule: Promise<typeof Sharp> | undefined;
const loadSharp = () => (sharpModule ??= import("sharp").then((m) => m.default));

/** Why an upload was refused (show the customer a matching message). */
export type ProofImageRejection = "not_image" | "too_large" | "too_big_dimensions" | "busy";

/** Result of `prepareProofImage`. */
export type PreparedProofImage =
  | { ok: true; image: Buffer; width: number; height: number; sourceFormat: string }
  | { ok: false; reason: ProofImageRejection };

/** Limits for `prepareProofImage`. */
export interface ProofImageOptions {
  /** Largest upload accepted, in bytes (default 10 MiB). */
  maxInputBytes?: number;
  /** The output fits in maxDimension × maxDimension (default 2000). */
  maxDimension?: number;
  /** Largest input in pixels (default MAX_PROOF_PIXELS). */
  maxInputPixels?: number;
  /** Largest input side in pixels (default 10000: a long scrolling screenshot passes). */
  maxInputSide?: number;
}

/**
 * 24 MP: a 6000 × 4000 photo, four times any phone screenshot. Measured with this pipeline: one
 * 48 MP PNG took 64 MB more memory, four at once 256 MB, three 49 MP 16-bit PNGs (0.6 MB files)
 * 330 MB and 18 s of CPU: enough to push the bot past PM2's 512 MB restart line.
 */
export const MAX_PROOF_PIXELS = 24_000_000;

/** A decode that takes longer than this is given up (libvips checks it while it works). */
const DECODE_TIMEOUT_SECONDS = 15;

/**
 * Decodes run one at a time per process, with a short queue; beyond it an upload is refused as
 * "busy" at once. Why: the bot process serves every chat, and libvips already spreads one
 * decode over the cores; a handful of large images decoded together would take its memory.
 */
export class DecodeSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly slots: number,
    private readonly maxWaiting: number,
  ) {}

  /** Runs `work` in a slot; `null` when the queue is full (nothing ran). */
  async run<T>(work: () => Promise<T>): Promise<T | null> {
    if (this.active >= this.slots) {
      if (this.waiting.length >= this.maxWaiting) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.active += 1;
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter (active stays counted), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

const decodeSlots = new DecodeSlots(1, 8);

/** Formats a transfer screenshot may arrive in (heif: only what this sharp build can decode). */
const ACCEPTED_FORMATS = new Set(["jpeg", "png", "webp", "gif", "heif"]);

/** Recognises the container by its first bytes, so sharp never parses SVG/PDF/TIFF/… uploads. */
function sniff(bytes: Buffer): string | null {
  if (bytes.length < 12) return null;
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "png";
  if (bytes.toString("latin1", 0, 4) === "GIF8") return "gif";
  if (bytes.toString("latin1", 0, 4) === "RIFF" && bytes.toString("latin1", 8, 12) === "WEBP") return "webp";
  if (bytes.toString("latin1", 4, 8) === "ftyp" && /^(heic|heix|hevc|hevx|heim|heis|mif1|msf1|avif|avis)$/.test(bytes.toString("latin1", 8, 12))) return "heif";
  return null;
}

/**
 * Validates an uploaded screenshot and re-encodes it as a metadata-free JPEG (quality 80,
 * oriented as displayed, transparency flattened on white, only the first frame of an
 * animation, scaled to fit `maxDimension`). Never throws for bad input: returns a reason.
 */
export async function prepareProofImage(bytes: Buffer, opts: ProofImageOptions = {}): Promise<PreparedProofImage> {
  const maxInputBytes = opts.maxInputBytes ?? 10 * 1024 * 1024;
  const maxDimension = opts.maxDimension ?? 2000;
  const maxInputPixels = opts.maxInputPixels ?? MAX_PROOF_PIXELS;
  const maxInputSide = opts.maxInputSide ?? 10_000;

  if (bytes.length > maxInputBytes) return { ok: false, reason: "too_large" };
  const sniffed = sniff(bytes);
  if (!sniffed) return { ok: false, reason: "not_image" };

  let width: number;
  let height: number;
  let format: string;
  const sharp = await loadSharp();
  try {
    // Header only: dimensions are known before any pixel is decoded.
    const meta = await sharp(bytes, { pages: 1, limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height || !ACCEPTED_FORMATS.has(meta.format)) return { ok: false, reason: "not_image" };
    ({ width, height, format } = meta);
  } catch {
    return { ok: false, reason: "not_image" };
  }
  if (width > maxInputSide || height > maxInputSide || width * height > maxInputPixels) return { ok: false, reason: "too_big_dimensions" };

  const decoded = await decodeSlots.run(async (): Promise<PreparedProofImage> => {
    try {
      const { data, info } = await sharp(bytes, { pages: 1, limitInputPixels: maxInputPixels, failOn: "error", autoOrient: true })
        .resize({ width: maxDimension, height: maxDimension, fit: "inside", withoutEnlargement: true })
        .flatten({ background: "#ffffff" })
        // No withMetadata()/keepMetadata(): sharp drops EXIF, XMP, IPTC and ICC (converting to sRGB).
        .jpeg({ quality: 80, mozjpeg: true })
        .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
        .toBuffer({ resolveWithObject: true });
      return { ok: true, image: data, width: info.width, height: info.height, sourceFormat: format };
    } catch {
      // Truncated/corrupt data, a HEIC this libvips build cannot decode (HEVC), or too slow.
      return { ok: false, reason: "not_image" };
    }
  });
  return decoded ?? { ok: false, reason: "busy" };
}

/**
 * Cleaning a customer's transfer screenshot before anything keeps it.
 *
 * Why: uploads are untrusted bytes. Phone photos carry EXIF (GPS position, device, time) that
 * a seller has no need for, and an "image" may be anything from an SVG with scripts to a
 * decompression bomb. So we accept only real raster images of sane size, decode them with
 * sharp (libvips) under a pixel limit, and keep only a freshly encoded JPEG without any
 * metadata, scaled down to what a reviewer needs to read a bank receipt.
 */
import sharp from "sharp";

/** Why an upload was refused (show the customer a matching message). */
export type ProofImageRejection = "not_image" | "too_large" | "too_big_dimensions";

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
  /** Largest input in pixels (default 50 MP: a 48 MP phone photo passes, bombs do not). */
  maxInputPixels?: number;
  /** Largest input side in pixels (default 16384). */
  maxInputSide?: number;
}

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
  const maxInputPixels = opts.maxInputPixels ?? 50_000_000;
  const maxInputSide = opts.maxInputSide ?? 16_384;

  if (bytes.length > maxInputBytes) return { ok: false, reason: "too_large" };
  const sniffed = sniff(bytes);
  if (!sniffed) return { ok: false, reason: "not_image" };

  let width: number;
  let height: number;
  let format: string;
  try {
    // Header only: dimensions are known before any pixel is decoded.
    const meta = await sharp(bytes, { pages: 1, limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height || !ACCEPTED_FORMATS.has(meta.format)) return { ok: false, reason: "not_image" };
    ({ width, height, format } = meta);
  } catch {
    return { ok: false, reason: "not_image" };
  }
  if (width > maxInputSide || height > maxInputSide || width * height > maxInputPixels) return { ok: false, reason: "too_big_dimensions" };

  try {
    const { data, info } = await sharp(bytes, { pages: 1, limitInputPixels: maxInputPixels, failOn: "error", autoOrient: true })
      .resize({ width: maxDimension, height: maxDimension, fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      // No withMetadata()/keepMetadata(): sharp drops EXIF, XMP, IPTC and ICC (converting to sRGB).
      .jpeg({ quality: 80, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    return { ok: true, image: data, width: info.width, height: info.height, sourceFormat: format };
  } catch {
    // Truncated/corrupt data, or a HEIC this libvips build cannot decode (HEVC).
    return { ok: false, reason: "not_image" };
  }
}

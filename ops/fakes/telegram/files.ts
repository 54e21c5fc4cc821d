import { randomBytes } from "node:crypto";
import type { Document, PhotoSize } from "grammy/types";

/**
 * The cloud Bot API's file limits: an upload (multipart) may carry at most 50 MB, and `getFile`
 * hands out files of at most 20 MB (tdlib/telegram-bot-api `MAX_DOWNLOAD_FILE_SIZE = 20 << 20`).
 */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

/** What kind of Telegram file a file_id refers to; Telegram refuses to reuse a photo id as a document. */
export type FileKind = "photo" | "document";

/** One stored file: the bytes the fake serves at `/file/bot<token>/<filePath>`. */
export interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  kind: FileKind;
  bytes: Buffer;
  filePath: string;
  fileName?: string;
  mimeType?: string;
  width?: number;
  height?: number;
  /** Set when the bot sent the file by URL (the fake does not download it). */
  sourceUrl?: string;
}

const randomId = (bytes: number): string => randomBytes(bytes).toString("base64url");

/** Telegram's photo thumbnail ladder: type letter and the box the longest side is scaled into. */
const PHOTO_BOXES: Array<[string, number]> = [["s", 90], ["m", 320], ["x", 800], ["y", 1280], ["w", 2560]];

/**
 * Keeps every file the bot or a simulated user sent, so file_ids can be reused,
 * `getFile` can resolve them and the download route can serve the exact bytes.
 */
export class FileStore {
  private readonly byId = new Map<string, StoredFile>();
  private readonly byPath = new Map<string, StoredFile>();
  private readonly photoGroups = new Map<string, PhotoSize[]>();
  private counter = 0;

  /** Stores a document and returns its record. */
  addDocument(bytes: Buffer, fileName: string | undefined, mimeType: string | undefined, sourceUrl?: string): StoredFile {
    const ext = fileName?.includes(".") ? fileName.slice(fileName.lastIndexOf(".")) : "";
    const file = this.register({
      kind: "document",
      bytes,
      fileId: `BQACAgIAAxkBAAI${randomId(42)}`,
      fileUniqueId: `AgAD${randomId(12)}`,
      filePath: `documents/file_${this.counter++}${ext}`,
      ...(fileName !== undefined ? { fileName } : {}),
      mimeType: mimeType ?? guessMimeType(fileName),
      ...(sourceUrl !== undefined ? { sourceUrl } : {}),
    });
    return file;
  }

  /**
   * Stores a photo as Telegram's ladder of sizes (every size serves the original bytes;
   * nothing is actually resized) and returns the PhotoSize array for a Message.
   */
  addPhoto(bytes: Buffer, dims: { width: number; height: number }, sourceUrl?: string): PhotoSize[] {
    const longest = Math.max(dims.width, dims.height);
    const sizes: PhotoSize[] = [];
    for (const [, box] of PHOTO_BOXES) {
      const scale = Math.min(1, box / longest);
      const width = Math.max(1, Math.round(dims.width * scale));
      const height = Math.max(1, Math.round(dims.height * scale));
      const file = this.register({
        kind: "photo",
        bytes,
        fileId: `AgACAgIAAxkBAAI${randomId(42)}`,
        fileUniqueId: `AQAD${randomId(12)}`,
        filePath: `photos/file_${this.counter++}.jpg`,
        mimeType: "image/jpeg",
        width,
        height,
        ...(sourceUrl !== undefined ? { sourceUrl } : {}),
      });
      sizes.push({ file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: bytes.length, width, height });
      if (longest <= box) break;
    }
    for (const size of sizes) this.photoGroups.set(size.file_id, sizes);
    return sizes;
  }

  /** Looks a file up by file_id. */
  get(fileId: string): StoredFile | undefined {
    return this.byId.get(fileId);
  }

  /** Looks a file up by the file_path getFile handed out. */
  getByPath(filePath: string): StoredFile | undefined {
    return this.byPath.get(filePath);
  }

  /** The whole size ladder a photo file_id belongs to (to resend a photo by id). */
  photoSizesFor(fileId: string): PhotoSize[] | undefined {
    return this.photoGroups.get(fileId);
  }

  /** The Telegram Document object for a stored document. */
  toDocument(file: StoredFile): Document {
    const doc: Document = { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.bytes.length };
    if (file.fileName !== undefined) doc.file_name = file.fileName;
    if (file.mimeType !== undefined) doc.mime_type = file.mimeType;
    return doc;
  }

  /** Forgets every file (used by `fake.reset()`). */
  clear(): void {
    this.byId.clear();
    this.byPath.clear();
    this.photoGroups.clear();
  }

  private register(file: StoredFile): StoredFile {
    this.byId.set(file.fileId, file);
    this.byPath.set(file.filePath, file);
    return file;
  }
}

/** Reads width/height from PNG, JPEG, GIF or WebP headers; undefined when the bytes are not an image. */
export function imageDimensions(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString("ascii", 12, 16) === "IHDR") {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && bytes.toString("ascii", 0, 3) === "GIF") {
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (bytes.length >= 30 && bytes.toString("ascii", 0, 4) === "RIFF" && bytes.toString("ascii", 8, 12) === "WEBP") {
    const chunk = bytes.toString("ascii", 12, 16);
    if (chunk === "VP8X") return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
    if (chunk === "VP8 ") return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
    if (chunk === "VP8L") {
      const b = bytes.readUInt32LE(21);
      return { width: (b & 0x3fff) + 1, height: ((b >> 14) & 0x3fff) + 1 };
    }
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) {
        i++;
        continue;
      }
      const marker = bytes[i + 1] as number;
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) {
        i += marker === 0xff ? 1 : 2;
        continue;
      }
      const length = bytes.readUInt16BE(i + 2);
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return { width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
      i += 2 + length;
    }
  }
  return undefined;
}

const MIME_TYPES: Record<string, string> = {
  pdf: "application/pdf", txt: "text/plain", csv: "text/csv", json: "application/json", zip: "application/zip",
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp",
  html: "text/html", xml: "application/xml", doc: "application/msword", mp4: "video/mp4", ogg: "audio/ogg",
  mp3: "audio/mpeg", xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  pem: "application/x-pem-file", ovpn: "application/x-openvpn-profile", conf: "text/plain",
};

/** Telegram derives mime_type from the file extension (grammY always uploads as octet-stream). */
export function guessMimeType(fileName: string | undefined): string {
  const ext = fileName?.includes(".") ? fileName.slice(fileName.lastIndexOf(".") + 1).toLowerCase() : "";
  return MIME_TYPES[ext] ?? "application/octet-stream";
}

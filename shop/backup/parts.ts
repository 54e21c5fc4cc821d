/**
 * Splitting the encrypted stream into part files of at most `partBytes`, and joining them again.
 *
 * Why parts: the Bot API takes documents up to 50 MB, and a bot can download (getFile) only
 * files up to 20 MB; parts of 19 MiB can be both sent and fetched back for a restore from the chat.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { finished } from "node:stream/promises";

export interface PartInfo {
  /** File name: `<backup-id>.partNN.bin`. */
  name: string;
  bytes: number;
  sha256: string;
}

export function partName(backupId: string, index: number): string {
  return `${backupId}.part${String(index + 1).padStart(2, "0")}.bin`;
}

/** A Writable that fills `dir/<id>.partNN.bin` files in turn; `parts` lists them once finished. */
export class PartWriter extends Writable {
  readonly parts: PartInfo[] = [];
  private file: WriteStream | undefined;
  private hash: Hash | undefined;
  private written = 0;

  constructor(
    private readonly dir: string,
    private readonly backupId: string,
    private readonly partBytes: number,
  ) {
    super();
  }

  private async open(): Promise<void> {
    const name = partName(this.backupId, this.parts.length);
    this.file = createWriteStream(join(this.dir, name), { mode: 0o600 });
    this.hash = createHash("sha256");
    this.written = 0;
    this.parts.push({ name, bytes: 0, sha256: "" });
  }

  private async close(): Promise<void> {
    if (!this.file) return;
    const part = this.parts[this.parts.length - 1]!;
    part.bytes = this.written;
    part.sha256 = this.hash!.digest("hex");
    this.file.end();
    await finished(this.file);
    this.file = undefined;
  }

  private async put(chunk: Buffer): Promise<void> {
    let rest = chunk;
    while (rest.length > 0) {
      if (!this.file || this.written >= this.partBytes) {
        await this.close();
        await this.open();
      }
      const piece = rest.subarray(0, this.partBytes - this.written);
      rest = rest.subarray(piece.length);
      this.hash!.update(piece);
      this.written += piece.length;
      if (!this.file!.write(piece)) await new Promise<void>((r) => this.file!.once("drain", () => r()));
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.put(chunk).then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.close().then(() => done(), done);
  }
}

/** The parts' bytes in order, as one stream. */
export function readParts(paths: string[]): Readable {
  return Readable.from(
    (async function* () {
      for (const path of paths) yield* createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
    })(),
  );
}

/** SHA-256 and size of a file, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

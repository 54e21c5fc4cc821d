import type { RecordedCall } from "./bot-harness.js";

/** A Bot API call sent as multipart/form-data (a file upload), decoded: its fields and its files' bytes. */
export interface UploadCall extends RecordedCall {
  files: Map<string, Buffer>;
}

/** Whether a request body is a multipart upload rather than JSON. */
export function isUpload(init: RequestInit | undefined): boolean {
  return /multipart\/form-data/i.test(new Headers(init?.headers).get("content-type") ?? "");
}

/**
 * Decodes grammY's multipart upload body the way Telegram would, so a test can look at the
 * pictures the bot sent (sendPhoto, sendMediaGroup with InputFile), not only at the method name.
 * JSON fields (media, reply_markup) are parsed; every file part is kept under its field name
 * (the `attach://<name>` the media entries point at). A small parser of its own: undici's
 * `Response.formData()` refuses grammY's stream.
 */
export async function decodeUpload(method: string, init: RequestInit | undefined): Promise<UploadCall> {
  const boundary = /boundary=(.+)$/.exec(new Headers(init?.headers).get("content-type") ?? "")?.[1];
  if (!boundary) throw new Error(`${method}: not a multipart body`);
  const chunks: Buffer[] = [];
  for await (const chunk of init!.body as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  const raw = Buffer.concat(chunks);
  const payload: Record<string, unknown> = {};
  const files = new Map<string, Buffer>();
  const delimiter = Buffer.from(`--${boundary}`);
  let at = raw.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === "--") break; // the closing delimiter
    const next = raw.indexOf(delimiter, start);
    const part = raw.subarray(start + 2, next < 0 ? raw.length : next - 2); // between "\r\n" and "\r\n--"
    const split = part.indexOf("\r\n\r\n");
    const head = part.subarray(0, split).toString();
    const body = part.subarray(split + 4);
    const name = /name="([^"]+)"/.exec(head)?.[1] ?? "";
    if (/filename=/.test(head)) files.set(name, Buffer.from(body));
    else {
      const text = body.toString();
      try {
        payload[name] = JSON.parse(text);
      } catch {
        payload[name] = text;
      }
    }
    at = next;
  }
  return { method, payload, files };
}

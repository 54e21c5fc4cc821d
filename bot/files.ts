import type { Context } from "grammy";

/** Telegram's getFile limit is 20 MB; we never need more than this for a screenshot. */
export const MAX_DOWNLOAD_BYTES = 10 * 1024 * 1024;

export type Download = { ok: true; bytes: Buffer } | { ok: false; reason: "too_large" | "unavailable" };

/**
 * Downloads the file of the current message through the Bot API (`getFile` +
 * the file endpoint of the configured API root), bounded in size and time.
 */
export async function downloadMessageFile(ctx: Context, apiRoot: string, token: string, maxBytes = MAX_DOWNLOAD_BYTES): Promise<Download> {
  const file = await ctx.getFile();
  if (file.file_size !== undefined && file.file_size > maxBytes) return { ok: false, reason: "too_large" };
  if (!file.file_path) return { ok: false, reason: "unavailable" };
  const res = await fetch(`${apiRoot}/file/bot${token}/${file.file_path}`, { signal: AbortSignal.timeout(20_000) });
  if (!res.ok) return { ok: false, reason: "unavailable" };
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > maxBytes) return { ok: false, reason: "too_large" };
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > maxBytes) return { ok: false, reason: "too_large" };
  return { ok: true, bytes };
}

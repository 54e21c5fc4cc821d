import type { IncomingMessage } from "node:http";
import { badRequest, entityTooLarge } from "./errors.js";

/** A file part of a multipart request (grammY sends one per InputFile). */
export interface Upload {
  fieldName: string;
  fileName: string;
  contentType?: string;
  data: Buffer;
}

/** Decoded request: string/JSON fields plus the file parts, keyed by part name. */
export interface RequestParams {
  fields: Record<string, unknown>;
  uploads: Map<string, Upload>;
}

/** Telegram's cloud API refuses uploads over 50 MB with HTTP 413. */
export const MAX_BODY_BYTES = 50 * 1024 * 1024 + 64 * 1024;

/** Reads a request body fully, answering 413 like Telegram when it is too large. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw entityTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Decodes a Bot API request the way Telegram does: query string merged with a JSON,
 * urlencoded or multipart/form-data body (grammY switches to multipart for uploads).
 */
export function parseRequestParams(contentType: string | undefined, query: URLSearchParams, body: Buffer): RequestParams {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of query) fields[k] = v;
  const uploads = new Map<string, Upload>();
  const type = (contentType ?? "").toLowerCase();
  if (body.length === 0) return { fields, uploads };
  if (type.startsWith("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw badRequest("can't parse JSON encoded request body");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw badRequest("JSON request body must be an object");
    }
    Object.assign(fields, parsed);
  } else if (type.startsWith("multipart/form-data")) {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
    const b = boundary?.[1] ?? boundary?.[2];
    if (b === undefined) throw badRequest("multipart boundary is missing");
    for (const part of parseMultipart(body, b.trim())) {
      if (part.fileName !== undefined) {
        const upload: Upload = { fieldName: part.name, fileName: part.fileName, data: part.data };
        if (part.contentType !== undefined) upload.contentType = part.contentType;
        uploads.set(part.name, upload);
      } else {
        fields[part.name] = part.data.toString("utf8");
      }
    }
  } else {
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) fields[k] = v;
  }
  return { fields, uploads };
}

interface Part {
  name: string;
  fileName?: string;
  contentType?: string;
  data: Buffer;
}

/**
 * A small, tolerant multipart parser. Written by hand because grammY emits headers
 * without spaces and unquoted filenames (`content-disposition:form-data;name="x";filename=a.jpg`),
 * which some stricter parsers reject.
 */
export function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    let start = pos + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break; // closing "--"
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    let end = next;
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    const chunk = body.subarray(start, end);
    const headerEnd = chunk.indexOf("\r\n\r\n");
    if (headerEnd >= 0) {
      const headers = parseHeaders(chunk.subarray(0, headerEnd).toString("utf8"));
      const disposition = headers.get("content-disposition") ?? "";
      const params = parseDispositionParams(disposition);
      const name = params.get("name");
      if (name !== undefined) {
        const part: Part = { name, data: Buffer.from(chunk.subarray(headerEnd + 4)) };
        const fileName = params.get("filename*") ?? params.get("filename");
        if (fileName !== undefined) part.fileName = fileName;
        const ct = headers.get("content-type");
        if (ct !== undefined) part.contentType = ct;
        parts.push(part);
      }
    }
    pos = next;
  }
  return parts;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function parseDispositionParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const m of value.matchAll(re)) {
    const key = (m[1] as string).toLowerCase();
    let v = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "").trim();
    if (key === "filename*") {
      const ext = /^[^']*'[^']*'(.*)$/.exec(v);
      if (ext?.[1] !== undefined) v = decodeURIComponent(ext[1]);
    }
    params.set(key, v);
  }
  return params;
}

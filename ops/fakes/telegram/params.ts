import type { Upload } from "./body.js";
import { badRequest } from "./errors.js";

const JSON_ERROR_NAMES: Record<string, string> = {
  reply_markup: "reply keyboard markup",
  entities: "entities",
  caption_entities: "caption entities",
  commands: "commands",
  scope: "bot command scope",
};

/**
 * Typed access to Bot API parameters that may arrive as JSON values or as strings
 * (urlencoded/multipart), with Telegram's error texts when they are missing or malformed.
 */
export class Params {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly uploads: Map<string, Upload> = new Map(),
  ) {}

  /** True when the parameter was sent and is not null. */
  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  /** A string parameter (numbers are stringified like Telegram does). */
  str(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return JSON.stringify(v);
  }

  /** An integer parameter; `onInvalid` is the Telegram error text for garbage. */
  int(name: string, onInvalid = `invalid ${name} specified`): number | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return undefined;
    const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw badRequest(onInvalid);
    return n;
  }

  /** A boolean parameter ("true"/"false"/"1"/"0" accepted, as Telegram does). */
  bool(name: string): boolean | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "1" || v === 1) return true;
    if (v === "false" || v === "0" || v === 0) return false;
    return Boolean(v);
  }

  /** A JSON-object/array parameter, decoding it when it arrived as a string. */
  json<T>(name: string): T | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") return v as T;
    try {
      return JSON.parse(v) as T;
    } catch {
      throw badRequest(`can't parse ${JSON_ERROR_NAMES[name] ?? name} JSON object`);
    }
  }

  /** The target chat id; Telegram's texts for missing ids and @usernames it cannot resolve. */
  chatId(name = "chat_id"): number {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") throw badRequest(`${name} is empty`);
    if (typeof v === "string" && !/^-?\d+$/.test(v.trim())) throw badRequest("chat not found");
    return this.int(name, "chat not found") as number;
  }

  /** A plain copy of the parameters for the call log, with uploads summarised instead of raw bytes. */
  forLog(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.raw)) {
      if (typeof v === "string" && v.startsWith("attach://")) {
        const up = this.uploads.get(v.slice(9));
        out[k] = up === undefined ? v : { upload: { fileName: up.fileName, size: up.data.length } };
      } else if (typeof v === "string" && (v.startsWith("{") || v.startsWith("["))) {
        try {
          out[k] = JSON.parse(v);
        } catch {
          out[k] = v;
        }
      } else out[k] = v;
    }
    for (const [name, up] of this.uploads) {
      if (!Object.values(this.raw).includes(`attach://${name}`)) {
        out[name] = { upload: { fileName: up.fileName, size: up.data.length } };
      }
    }
    return out;
  }
}

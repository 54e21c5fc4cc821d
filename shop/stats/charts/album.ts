import { InputFile, InputMediaBuilder } from "grammy";
import type { InputMediaPhoto } from "grammy/types";
import type { RenderedChart } from "./report.js";

/** The charts as one Telegram album (sendMediaGroup takes 2–10 photos), each with its numbers as the caption. */
export function chartAlbum(charts: RenderedChart[]): InputMediaPhoto[] {
  return charts.slice(0, 10).map((c) => InputMediaBuilder.photo(new InputFile(c.png, `${c.name}.png`), { caption: c.caption }));
}

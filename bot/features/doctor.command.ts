import { Composer, InputFile } from "grammy";
import { escapeHtml } from "../../shop/messages/format.js";
import { projectRoot } from "../../shop/platform/paths.js";
import type { BotContext } from "../context.js";
import { allowedTo } from "../middlewares/permission.filter.js";

/** Telegram allows 4096 characters per message; the table goes in <pre>, with room for the tags. */
const CHUNK = 3_800;
/** More messages than this and the table comes as one text document instead. */
const MAX_MESSAGES = 3;

/**
 * The owner's /doctor: the same table as `npm run doctor`, run inside this process (so the
 * process-manager line speaks for the running service). Loaded on first use: the checks pull
 * in the backup and gateway code a bot process otherwise never needs at start.
 */
export const doctorFeature = new Composer<BotContext>();

doctorFeature
  .chatType("private")
  .filter(allowedTo("service.doctor"))
  .command("doctor", async (ctx) => {
    const { countByStatus, formatDoctorTable, runDoctor, splitLines } = await import("../../shop/doctor/index.js");
    await ctx.reply(ctx.t("doctor-running"));
    const { config, prisma, redis } = ctx.deps;
    const results = await runDoctor({ config, env: process.env, prisma, redis, telegram: ctx.api, root: projectRoot, timeoutMs: 5_000, now: new Date() });
    const c = countByStatus(results);
    const summary = ctx.t("doctor-summary", { fail: c.FAIL, warn: c.WARN, pass: c.PASS });
    const table = formatDoctorTable(results);
    const chunks = splitLines(table, CHUNK);
    if (chunks.length > MAX_MESSAGES) {
      await ctx.replyWithDocument(new InputFile(Buffer.from(table, "utf8"), "doctor.txt"), { caption: summary });
      return;
    }
    for (const chunk of chunks) await ctx.reply(`<pre>${escapeHtml(chunk)}</pre>`, { parse_mode: "HTML" });
    await ctx.reply(summary);
  });

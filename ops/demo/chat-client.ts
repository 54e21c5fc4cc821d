import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import type { InlineKeyboardButton, ReplyKeyboardMarkup } from "grammy/types";
import type { FakeTelegram } from "../fakes/telegram/server.js";
import type { BotMessageState, FakeEvent } from "../fakes/telegram/types.js";

/**
 * An extra `:name [args]` command for the terminal chat, e.g. the demo's `:pay` that
 * completes a payment at a fake gateway. Commands run one at a time, in input order.
 */
export interface ChatCommand {
  /** Typed as `:<name>`; letters, digits and dashes. */
  name: string;
  /** Shown in :help, e.g. "[reference]". */
  args?: string;
  /** One line for :help. */
  help: string;
  /** `args` is the rest of the line, trimmed. `print` writes dim lines above the prompt. */
  run(args: string, io: { print(lines: string[]): void }): Promise<void> | void;
}

/** Options for the terminal chat; input/output default to the process's stdin/stdout. */
export interface ChatClientOptions {
  fake: FakeTelegram;
  userId: number;
  firstName?: string;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Extra `:name` commands (listed by :help). */
  commands?: ChatCommand[];
}

const HELP = [
  "Ketik pesan untuk mengirim / type text to send it",
  "  1, 2, …        press that button of the newest message that has buttons",
  "  /photo <path>  send an image file as a photo",
  "  /doc <path>    send a file as a document",
  "  :help          this help",
  "  :quit          leave the chat",
].join("\n");

/** :help text with the extra commands inserted before :help. */
export function helpText(commands: ChatCommand[] = []): string {
  const lines = HELP.split("\n");
  const extra = commands.map((c) => {
    const usage = `:${c.name}${c.args ? ` ${c.args}` : ""}`;
    return `  ${usage.padEnd(14)} ${c.help}`;
  });
  const at = lines.findIndex((l) => l.trimStart().startsWith(":help"));
  lines.splice(at, 0, ...extra);
  return lines.join("\n");
}

const INDENT = "      ";

function bodyOf(m: BotMessageState): string {
  if (m.media?.kind === "photo") {
    return `[photo ${m.media.width ?? "?"}x${m.media.height ?? "?"}]${m.caption !== undefined ? ` ${m.caption}` : ""}`;
  }
  if (m.media?.kind === "document") {
    const kb = Math.max(1, Math.round(m.media.fileSize / 1024));
    return `[document ${m.media.fileName ?? "file"}, ${kb} KB]${m.caption !== undefined ? ` ${m.caption}` : ""}`;
  }
  return m.text ?? m.caption ?? "";
}

function buttonLabel(b: InlineKeyboardButton, n: number): string {
  if ("url" in b && b.url !== undefined) return `[${n}] ${b.text} ↗ ${b.url}`;
  if ("web_app" in b && b.web_app !== undefined) return `[${n}] ${b.text} ↗ ${b.web_app.url}`;
  return `[${n}] ${b.text}`;
}

/** Renders one bot message (new, edited or deleted) as terminal lines, buttons numbered from 1. */
export function renderBotMessage(m: BotMessageState, change: "sent" | "edited" | "deleted"): string[] {
  if (change === "deleted" || m.deleted) return [`bot › [message #${m.messageId} removed]`];
  const prefix = change === "edited" ? `bot › (edited #${m.messageId}) ` : "bot › ";
  const [first = "", ...rest] = bodyOf(m).split("\n");
  const lines = [prefix + first, ...rest.map((l) => INDENT + l)];
  let n = 0;
  for (const row of m.replyMarkup?.inline_keyboard ?? []) {
    lines.push(INDENT + row.map((b) => buttonLabel(b, ++n)).join("  "));
  }
  return lines;
}

function renderReplyKeyboard(keyboard: ReplyKeyboardMarkup | undefined): string[] {
  if (keyboard === undefined) return [`${INDENT}(keyboard hidden)`];
  const rows = keyboard.keyboard.map((row) => row.map((b) => `‹${typeof b === "string" ? b : b.text}›`).join("  "));
  return [`${INDENT}keyboard (type a label to press it):`, ...rows.map((r) => INDENT + r)];
}

/**
 * A terminal chat with the bot through the fake Telegram: prints the bot's messages,
 * edits and deletions with numbered inline buttons, and sends what the person types.
 * Resolves on `:quit` or end of input.
 */
export async function runChatClient(opts: ChatClientOptions): Promise<void> {
  const { fake, userId } = opts;
  const commands = new Map((opts.commands ?? []).map((c) => [c.name, c]));
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const tty = (output as { isTTY?: boolean }).isTTY === true && (input as { isTTY?: boolean }).isTTY === true;
  const color = tty && process.env.NO_COLOR === undefined;
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const user = fake.user(userId, opts.firstName !== undefined ? { firstName: opts.firstName } : undefined);

  const rl = readline.createInterface(
    tty ? { input, output, terminal: true, prompt: paint("2", "you › ") } : { input, terminal: false },
  );
  const print = (lines: string[], code = "") => {
    if (tty) {
      readline.clearLine(output, 0);
      readline.cursorTo(output, 0);
    }
    for (const line of lines) output.write(`${code ? paint(code, line) : line}\n`);
    if (tty) rl.prompt(true);
  };

  let lastAction = "";
  const onEvent = (event: FakeEvent) => {
    if (event.type === "bot-message" && event.state.chatId === userId) {
      lastAction = "";
      print(renderBotMessage(event.state, event.change), event.change === "deleted" ? "2" : "36");
    } else if (event.type === "callback-answer" && event.answer.chatId === userId && event.answer.text) {
      print([`${INDENT}${event.answer.showAlert === true ? "[alert]" : "[notice]"} ${event.answer.text}`], "33");
    } else if (event.type === "chat-action" && event.chatId === userId && event.action !== lastAction) {
      lastAction = event.action;
      print([`${INDENT}(bot: ${event.action.replace(/_/g, " ")}…)`], "2");
    } else if (event.type === "reply-keyboard" && event.chatId === userId) {
      print(renderReplyKeyboard(event.keyboard), "33");
    }
  };
  const unsubscribe = fake.subscribe(onEvent);

  const pressNumber = async (n: number) => {
    const target = user.messages().filter((m) => !m.deleted && m.replyMarkup !== undefined).pop();
    if (target === undefined) return print(["! there are no buttons to press"], "31");
    const buttons = target.replyMarkup?.inline_keyboard.flat() ?? [];
    const button = buttons[n - 1];
    if (button === undefined) return print([`! message #${target.messageId} has buttons 1–${buttons.length}`], "31");
    if (!("callback_data" in button) || button.callback_data === undefined) {
      const url = "url" in button ? button.url : "web_app" in button ? button.web_app?.url : undefined;
      return print([`${INDENT}(this button opens ${url ?? "something outside the chat"})`], "2");
    }
    await user.pressButton({ messageId: target.messageId, data: button.callback_data });
  };

  const sendFile = async (kind: "photo" | "doc", file: string) => {
    if (file === "") return print([`! usage: /${kind} <path>`], "31");
    const bytes = await readFile(file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : file);
    if (kind === "photo") await user.sendPhoto(bytes);
    else await user.sendDocument(bytes, { fileName: path.basename(file) });
    print([`${INDENT}(${kind === "photo" ? "photo" : "document"} sent: ${path.basename(file)}, ${bytes.length} bytes)`], "2");
  };

  const handleLine = async (raw: string): Promise<boolean> => {
    const line = raw.trim();
    if (line === "") return true;
    if (line === ":quit" || line === ":q" || line === ":exit") return false;
    if (line === ":help" || line === ":h") {
      print(helpText(opts.commands).split("\n"), "2");
      return true;
    }
    const custom = /^:([A-Za-z0-9-]+)(?:\s+(.*))?$/.exec(line);
    const command = custom === null ? undefined : commands.get(custom[1] as string);
    if (command !== undefined) {
      await command.run((custom?.[2] ?? "").trim(), { print: (lines) => print(lines.map((l) => INDENT + l), "2") });
      return true;
    }
    const file = /^\/(photo|doc)(?:\s+(.*))?$/.exec(line);
    if (/^\d{1,2}$/.test(line)) await pressNumber(Number(line));
    else if (file !== null) await sendFile(file[1] as "photo" | "doc", (file[2] ?? "").trim());
    else await user.sendText(line);
    return true;
  };

  if (tty) rl.prompt();
  await new Promise<void>((resolve) => {
    let chain = Promise.resolve();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve();
    };
    rl.on("line", (line) => {
      chain = chain.then(async () => {
        if (done) return;
        try {
          if (!(await handleLine(line))) {
            finish();
            rl.close();
          } else if (tty) rl.prompt();
        } catch (error) {
          print([`! ${error instanceof Error ? error.message : String(error)}`], "31");
        }
      });
    });
    rl.on("close", () => {
      void chain.then(finish);
    });
  });
  unsubscribe();
}

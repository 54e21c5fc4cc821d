/**
 * "Every customer told exactly once", as the customer sees it: per paid order, the messages in
 * their chat at the fake Telegram. A message missing is always a failure. A message twice is
 * told apart by the evidence in the role logs: when the first copy's job had started in a worker
 * we SIGKILLed within seconds of that copy's arrival, and never completed there, the worker
 * died between handing the message to Telegram and the job being recorded done. The Bot API has no idempotency key, so that copy cannot be
 * taken back or recognised by the retry: delivery is at-least-once by nature, and such a
 * duplicate is counted on its own line. Any other duplicate is a failure.
 */
import { existsSync, readFileSync } from "node:fs";
import type { BotMessageState } from "../../ops/fakes/telegram/types.js";
import type { ChaosFakes } from "./fakes.js";
import type { OrderRecord } from "./journeys.js";

export interface ToldReport {
  /** Missing messages and duplicates without a kill to explain them. */
  broken: string[];
  /** Duplicates whose first copy was sent by a worker SIGKILLed before it recorded the job done. */
  killedMidSend: string[];
}

const body = (m: BotMessageState) => m.text ?? m.caption ?? "";
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** What each paid order must produce once: the text, and the notifications job that sends it. */
function expectedMessages(r: OrderRecord): Array<{ what: string; re: RegExp; jobId: string }> {
  const paid = { what: "payment received", re: new RegExp(`Pembayaran pesanan ${escape(r.reference)} diterima`), jobId: `paid-${r.orderId}` };
  if (r.kind === "WALLET_TOPUP") return [{ what: "top-up done", re: /Isi saldo .* berhasil/, jobId: `topup-done-${r.orderId}` }];
  if (r.kind === "RENEWAL") return [paid, { what: "renewed", re: /diperpanjang sampai/, jobId: `renewed-${r.orderId}` }];
  return [paid, { what: "VPS ready", re: /VPS aktif!/, jobId: `vps-ready-${r.orderId}` }];
}

/**
 * A killed worker whose log shows this notifications job started and never completed, killed
 * within 5 s of the first copy's arrival. Either side: a request already written to the socket
 * when the kill lands still reaches the fake (which runs in the busy runner) a moment later.
 */
function startedInKilledWorker(jobId: string, sentAt: number, killed: Array<{ logFile: string; at: number }>): string | undefined {
  const mark = `"queue":"notifications","jobId":"${jobId}"`;
  for (const { logFile: file, at } of killed) {
    if (Math.abs(at - sentAt) > 5_000 || !existsSync(file)) continue;
    const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.includes(mark));
    if (lines.some((l) => l.includes('"msg":"job started"')) && !lines.some((l) => l.includes('"msg":"job completed"'))) return file;
  }
  return undefined;
}

export function checkTold(fakes: ChaosFakes, paid: OrderRecord[], killedLogs: Array<{ logFile: string; at: number }>): ToldReport {
  const report: ToldReport = { broken: [], killedMidSend: [] };
  const byChat = new Map<number, OrderRecord[]>();
  for (const r of paid) byChat.set(r.telegramId, [...(byChat.get(r.telegramId) ?? []), r]);
  for (const [chatId, records] of byChat) {
    const states = fakes.telegram.botMessages(chatId);
    const sentAt = (m: BotMessageState) => fakes.sentAt.get(`${chatId}:${m.messageId}`) ?? 0;
    const at = (m: BotMessageState) => new Date(sentAt(m)).toISOString().slice(11, 23);
    // A chat has one order of each kind at most, except top-ups (one per wallet journey): count per kind.
    const expected = records.flatMap(expectedMessages);
    for (const [key, group] of groupBy(expected, (e) => e.what === "payment received" ? e.jobId : e.what)) {
      const copies = states.filter((m) => group[0]!.re.test(body(m)));
      if (copies.length === group.length) continue;
      const line = `chat ${chatId} ${group[0]!.what} (${key}): ${copies.length}× at [${copies.map(at).join(", ")}], expected ${group.length}`;
      if (copies.length < group.length) {
        report.broken.push(line);
        continue;
      }
      const killed = group.length === 1 && copies.length === 2 ? startedInKilledWorker(group[0]!.jobId, sentAt(copies[0]!), killedLogs) : undefined;
      if (killed) report.killedMidSend.push(`${line}; first run in ${killed.split("/").pop()}`);
      else report.broken.push(line);
    }
  }
  return report;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
  return map;
}

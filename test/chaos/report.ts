/** The chaos run's printed table and its JSON (.chaos/results.json). */
import { writeFileSync } from "node:fs";
import { table } from "../bench/report.js";
import type { GatewayDriver } from "./gateway.js";
import type { InvariantReport } from "./invariants.js";
import type { OrderRecord } from "./journeys.js";
import type { ChaosEvent } from "./monkey.js";
import type { ChaosOptions } from "./options.js";
import type { Crash } from "./roles.js";
import type { SettleResult } from "./settle.js";

export interface ChaosResult {
  options: ChaosOptions;
  startedAt: string;
  durationsMs: { setup: number; chaos: number; settle: number; total: number };
  events: ChaosEvent[];
  records: OrderRecord[];
  callbacks: GatewayDriver["stats"];
  cloudFaults: Record<string, number>;
  crashes: Crash[];
  problems: string[];
  settle: SettleResult;
  invariants: InvariantReport;
  ok: boolean;
}

const countBy = <T>(items: T[], key: (t: T) => string) => items.reduce<Record<string, number>>((acc, t) => ((acc[key(t)] = (acc[key(t)] ?? 0) + 1), acc), {});
const pairs = (o: Record<string, number>) => Object.entries(o).sort().map(([k, v]) => `${k} ${v}`).join(", ") || "-";

export function renderResult(r: ChaosResult): string[] {
  const kills = r.events.filter((e) => e.what === "kill");
  const wipes = r.events.filter((e) => e.what.startsWith("redis-"));
  const restarts = r.events.filter((e) => e.what.startsWith("pg-"));
  const paid = r.records.filter((x) => x.paid);
  const newVps = paid.filter((x) => x.kind === "NEW_VPS");
  const cb = r.callbacks;
  const disruptions: Array<[string, string | number]> = [
    ["role kills (SIGKILL)", kills.length],
    ["  by role", pairs(countBy(kills, (e) => e.detail))],
    ["Redis wipes", wipes.length],
    ["  by kind", pairs(countBy(wipes, (e) => e.what))],
    ["PostgreSQL restarts", restarts.length],
    ["cloud faults injected", pairs(Object.fromEntries(Object.entries(r.cloudFaults).filter(([k]) => k !== "forwarded")))],
    ["roles crashed on their own", r.crashes.length],
    ["orders paid (all kinds)", paid.length],
    ["  new VPS", `${newVps.length} (chat ${newVps.filter((x) => x.via === "chat").length}; ${pairs(countBy(newVps, (x) => x.pay))})`],
    ["  top-ups / renewals", `${paid.filter((x) => x.kind === "WALLET_TOPUP").length} / ${paid.filter((x) => x.kind === "RENEWAL").length}`],
    ["orders placed, never paid", r.records.length - paid.length],
    ["callbacks sent / re-sent", `${cb.sent} / ${cb.retried}`],
    ["duplicates / out of order", `${cb.duplicates} / ${cb.outOfOrder}`],
    ["undelivered / refused (4xx)", `${cb.undelivered} / ${cb.refused.length}`],
    ["settled after the chaos", r.settle.settled ? `yes, ${(r.settle.ms / 1000).toFixed(0)} s` : `NO: ${r.settle.busy.join(", ")}`],
  ];
  const lines = [
    "",
    `Chaos run (seed ${r.options.seed}): ${r.options.orders} orders over ${r.options.seconds} s, total ${(r.durationsMs.total / 1000).toFixed(0)} s`,
    "",
    ...table(["disruption / load", "count"], disruptions.map(([a, b]) => [a, String(b)])),
    "",
    ...table(["invariant", "value", ""], r.invariants.invariants.map((i) => [i.name, String(i.value), i.ok ? "✓" : "✗"])),
    `  (orphans before the sweep: ${r.invariants.orphansBeforeSweep}; sweep: ${r.invariants.sweep})`,
    `  messages sent twice because their worker was SIGKILLed right after Telegram took the first copy (at-least-once; the Bot API has no idempotency key): ${r.invariants.killedMidSend.length}`,
    ...r.invariants.killedMidSend.slice(0, 5).map((k) => `      ${k}`),
    `  orders: ${pairs(r.invariants.ordersByStatus)}`,
    `  outbox: ${pairs(r.invariants.outbox)}`,
  ];
  for (const i of r.invariants.invariants.filter((x) => !x.ok)) lines.push(`  ✗ ${i.name}:`, ...i.examples.map((e) => `      ${e}`));
  for (const c of r.crashes.slice(0, 5)) lines.push(`  crash: ${c.role}#${c.generation} exit ${c.code ?? c.signal} (${c.logFile})`);
  if (r.problems.length) lines.push(`  runner notes (${r.problems.length}):`, ...r.problems.slice(0, 8).map((p) => `      ${p}`));
  lines.push("", r.ok ? "✓ all invariants hold" : "✗ invariants broken", "");
  return lines;
}

export function writeResult(file: string, r: ChaosResult): void {
  writeFileSync(file, JSON.stringify(r, null, 2));
}

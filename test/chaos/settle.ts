/**
 * Waiting for the service to come to rest after the disruptions: no order left PAID or
 * PROVISIONING, nothing paid still unsettled, no recorded job due, no VPS action running, and
 * the fake Telegram quiet for a while. Work Redis lost is found again by the recovery sweep
 * (every minute), so this can take a minute or two; the deadline is generous.
 */
import type { PrismaClient } from "../../db/client.js";
import type { ChaosFakes } from "./fakes.js";
import type { OrderRecord } from "./journeys.js";
import { sleep } from "./options.js";

export interface SettleResult {
  settled: boolean;
  ms: number;
  /** What was still going on at the deadline (empty when settled). */
  busy: string[];
}

async function stillBusy(prisma: PrismaClient, records: OrderRecord[]): Promise<string[]> {
  const busy: string[] = [];
  const inFlight = await prisma.order.count({ where: { status: { in: ["PAID", "PROVISIONING"] } } });
  if (inFlight > 0) busy.push(`${inFlight} orders PAID/PROVISIONING`);
  const paid = records.filter((r) => r.paid).map((r) => r.orderId);
  const unsettled = await prisma.order.count({ where: { id: { in: paid }, status: "PENDING_PAYMENT" } });
  if (unsettled > 0) busy.push(`${unsettled} paid orders still PENDING_PAYMENT`);
  const due = await prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM job_outbox WHERE status = 'PENDING' AND run_at <= now()`;
  if ((due[0]?.n ?? 0) > 0) busy.push(`${due[0]!.n} recorded jobs due`);
  const actions = await prisma.instanceAction.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } });
  if (actions > 0) busy.push(`${actions} VPS actions unfinished`);
  if (busy.length > 0) {
    // A lease whose holder was killed blocks its work until it lapses: name it, so a stall explains itself.
    const leases = await prisma.$queryRaw<Array<{ key: string; s: number }>>`
      SELECT key, EXTRACT(EPOCH FROM (expires_at - now()))::int AS s FROM leases WHERE expires_at > now() ORDER BY key LIMIT 5`;
    if (leases.length > 0) busy.push(`leases held: ${leases.map((l) => `${l.key} (${l.s} s left)`).join(", ")}`);
  }
  return busy;
}

export async function waitForQuiescence(prisma: PrismaClient, fakes: ChaosFakes, records: OrderRecord[], timeoutMs: number, quietMs = 8_000): Promise<SettleResult> {
  const started = Date.now();
  let lastCalls = -1;
  let quietSince = Date.now();
  let lastReport = 0;
  let busy: string[] = ["not checked yet"];
  while (Date.now() - started < timeoutMs) {
    busy = await stillBusy(prisma, records).catch((err: unknown) => [`database: ${String(err)}`]);
    const calls = fakes.telegram.calls.length;
    if (calls !== lastCalls) {
      lastCalls = calls;
      quietSince = Date.now();
    }
    if (busy.length === 0 && Date.now() - quietSince >= quietMs) return { settled: true, ms: Date.now() - started, busy: [] };
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      process.stdout.write(`  settling (${Math.round((Date.now() - started) / 1000)} s): ${busy.length ? busy.join(", ") : "waiting for Telegram to go quiet"}\n`);
    }
    await sleep(1_000);
  }
  return { settled: false, ms: Date.now() - started, busy };
}

/**
 * What must hold after a chaos run, checked against Postgres, the fake clouds, the fake gateways
 * and the fake Telegram (the customer's view), independently of the service's own bookkeeping.
 */
import type { PrismaClient } from "../../db/client.js";
import { createProviders } from "../../shop/cloud/providers.js";
import { addMonths, ORDER_TAG_PREFIX } from "../../shop/provisioning/provision.js";
import type { ChaosFakes } from "./fakes.js";
import type { OrderRecord } from "./journeys.js";
import { checkTold } from "./told.js";

export interface Invariant {
  name: string;
  /** The count that must be 0 (or the fraction that must be complete). */
  value: number;
  ok: boolean;
  /** Up to a few examples of what broke. */
  examples: string[];
}

const check = (name: string, broken: string[]): Invariant => ({ name, value: broken.length, ok: broken.length === 0, examples: broken.slice(0, 5) });

/** Servers carrying an order tag, per tag (live servers at the fakes). */
function serversByTag(fakes: ChaosFakes): Map<string, Array<{ cloud: string; id: string }>> {
  const byTag = new Map<string, Array<{ cloud: string; id: string }>>();
  for (const cloud of fakes.cloudList()) {
    for (const s of cloud.servers()) {
      for (const tag of s.tags.filter((t) => t.startsWith(ORDER_TAG_PREFIX))) byTag.set(tag, [...(byTag.get(tag) ?? []), { cloud: cloud.name, id: s.id }]);
    }
  }
  return byTag;
}

/** Tagged servers with no ACTIVE order whose instance is that very server. */
async function orphanServers(prisma: PrismaClient, fakes: ChaosFakes): Promise<string[]> {
  const instances = await prisma.instance.findMany({ where: { providerInstanceId: { not: null }, status: { in: ["ACTIVE", "OFF", "SUSPENDED"] } }, select: { providerInstanceId: true, providerCode: true } });
  const live = new Set(instances.map((i) => `${i.providerCode}:${i.providerInstanceId}`));
  const code = { digitalocean: "DIGITALOCEAN", vultr: "VULTR", linode: "LINODE" } as const;
  const out: string[] = [];
  for (const [tag, servers] of serversByTag(fakes)) for (const s of servers) if (!live.has(`${code[s.cloud as keyof typeof code]}:${s.id}`)) out.push(`${s.cloud} ${s.id} (${tag})`);
  return out;
}

/** Runs the product's orphan sweep (shop/provisioning/orphans.ts) once with no grace period: the run is over, nothing is in flight. */
async function runOrphanSweep(prisma: PrismaClient, fakes: ChaosFakes): Promise<string> {
  const mod = await import("../../shop/provisioning/orphans.js").catch(() => undefined);
  if (!mod) return "orphan sweep not available (shop/provisioning/orphans.ts missing)";
  // As a started service does: the sweep deletes only servers tagged with this database's shop id.
  const shop = await import("../../shop/provisioning/shop-id.js");
  shop.useShopId(await shop.resolveShopId(prisma));
  const report = await mod.sweepOrphanServers({ prisma, providers: createProviders(fakes.clouds.providers), graceMs: 0 });
  return `deleted ${report.deleted.length}, failed ${report.failed.length}, unlisted ${report.unlisted.length}`;
}

export interface InvariantReport {
  invariants: Invariant[];
  /** Messages sent twice because their worker was SIGKILLed after Telegram took the first copy (see told.ts). */
  killedMidSend: string[];
  orphansBeforeSweep: number;
  sweep: string;
  ordersByStatus: Record<string, number>;
  outbox: Record<string, number>;
}

export async function checkInvariants(prisma: PrismaClient, fakes: ChaosFakes, records: OrderRecord[], journeyFailures: string[], killedLogs: Array<{ logFile: string; at: number }>): Promise<InvariantReport> {
  const paid = records.filter((r) => r.paid);
  // The load itself: a journey the runner could not finish proves nothing about the service (and may hide a bug).
  const unfinished = [...journeyFailures, ...records.filter((r) => !r.paid).map((r) => `${r.reference} (${r.kind} via ${r.via}/${r.pay}) never paid`)];
  const orders = await prisma.order.findMany({ where: { id: { in: paid.map((r) => r.orderId) } }, select: { id: true, status: true } });
  const statusOf = new Map(orders.map((o) => [o.id, o.status]));
  const activeRows = await prisma.orderStatusHistory.groupBy({ by: ["orderId"], where: { toStatus: "ACTIVE" }, _count: { _all: true } });
  const activeCount = new Map(activeRows.map((r) => [r.orderId, r._count._all]));
  const notActive = paid.filter((r) => statusOf.get(r.orderId) !== "ACTIVE" || activeCount.get(r.orderId) !== 1);
  const notActiveOnce: string[] = [];
  for (const r of notActive) {
    // The reason of its last move says why (e.g. "job stalled more than allowable limit").
    const last = await prisma.orderStatusHistory.findFirst({ where: { orderId: r.orderId }, orderBy: { id: "desc" } });
    notActiveOnce.push(`${r.reference} ${r.kind} via ${r.via}/${r.pay}: ${statusOf.get(r.orderId)}, ${activeCount.get(r.orderId) ?? 0} ACTIVE transitions; last move: ${last?.reason ?? "-"}`);
  }
  const twiceActive = activeRows.filter((r) => r._count._all > 1).map((r) => `order #${r.orderId}: ${r._count._all} ACTIVE transitions`);

  const duplicates = [...serversByTag(fakes)].filter(([, s]) => s.length > 1).map(([tag, s]) => `${tag}: ${s.map((x) => `${x.cloud} ${x.id}`).join(", ")}`);
  const orphansBefore = await orphanServers(prisma, fakes);
  const sweep = await runOrphanSweep(prisma, fakes).catch((err: unknown) => `orphan sweep failed: ${String(err)}`);
  const orphansAfter = await orphanServers(prisma, fakes);

  // Lost callbacks: money the gateway took that our database does not show as PAID.
  const lost: string[] = [];
  for (const t of fakes.tripay.transactions().filter((t) => t.status === "PAID")) {
    const p = await prisma.payment.findFirst({ where: { gateway: "TRIPAY", gatewayReference: t.reference } });
    if (p?.status !== "PAID") lost.push(`tripay ${t.reference} (${t.merchant_ref}): ${p?.status ?? "no payment row"}`);
  }
  for (const t of fakes.midtrans.transactions().filter((t) => t.transaction_status === "settlement")) {
    const p = await prisma.payment.findUnique({ where: { attemptRef: t.order_id } });
    if (p?.status !== "PAID") lost.push(`midtrans ${t.order_id}: ${p?.status ?? "no payment row"}`);
  }

  // Ledger: every transaction sums to 0; each wallet holds exactly top-ups minus wallet spends.
  const unbalanced = await prisma.$queryRaw<Array<{ id: number; sum: bigint }>>`
    SELECT transaction_id AS id, sum(amount_idr) AS sum FROM ledger_entries GROUP BY transaction_id HAVING sum(amount_idr) <> 0`;
  const ledger = unbalanced.map((u) => `transaction #${u.id} sums to ${u.sum}`);
  const expected = new Map<number, number>();
  for (const r of paid) {
    if (r.kind === "WALLET_TOPUP") expected.set(r.userId, (expected.get(r.userId) ?? 0) + r.totalIdr);
    if (r.pay === "wallet") expected.set(r.userId, (expected.get(r.userId) ?? 0) - r.totalIdr);
  }
  const balances = await prisma.ledgerEntry.groupBy({ by: ["userId"], where: { account: { startsWith: "wallet:" } }, _sum: { amountIdr: true } });
  const balanceOf = new Map(balances.map((b) => [b.userId, b._sum.amountIdr ?? 0]));
  for (const [userId, want] of expected) if ((balanceOf.get(userId) ?? 0) !== want) ledger.push(`wallet of user #${userId}: ${balanceOf.get(userId) ?? 0}, expected ${want}`);
  for (const [userId, have] of balanceOf) if (have < 0) ledger.push(`wallet of user #${userId} is negative: ${have}`);

  const told = checkTold(fakes, paid, killedLogs);

  // Renewals: each extends its VPS by exactly its months, from the expiry it had.
  const renewals: string[] = [];
  for (const r of paid.filter((x) => x.renewal)) {
    const inst = await prisma.instance.findUnique({ where: { id: r.renewal!.instanceId } });
    const want = addMonths(new Date(r.renewal!.expiresBefore), r.renewal!.months).toISOString();
    if (inst?.expiresAt.toISOString() !== want) renewals.push(`${r.reference}: expires ${inst?.expiresAt.toISOString()}, expected ${want}`);
  }

  const statusRows = await prisma.order.groupBy({ by: ["kind", "status"], _count: { _all: true } });
  const outboxRows = await prisma.$queryRaw<Array<{ queue: string; status: string; n: number }>>`SELECT queue, status::text, count(*)::int AS n FROM job_outbox GROUP BY 1, 2`;
  return {
    invariants: [
      check("journeys the runner could not finish", unfinished),
      check("paid orders not ACTIVE exactly once", notActiveOnce),
      check("orders with more than one ACTIVE transition", twiceActive),
      check("duplicate servers (tags with > 1 server)", duplicates),
      check("orphan servers after the sweep", orphansAfter),
      check("lost callbacks (paid at gateway, not PAID here)", lost),
      check("ledger imbalances", ledger),
      check("customers not told exactly once", told.broken),
      check("renewals not applied exactly once", renewals),
    ],
    killedMidSend: told.killedMidSend,
    orphansBeforeSweep: orphansBefore.length,
    sweep,
    ordersByStatus: Object.fromEntries(statusRows.map((r) => [`${r.kind}/${r.status}`, r._count._all])),
    outbox: Object.fromEntries(outboxRows.map((r) => [`${r.queue}/${r.status}`, r.n])),
  };
}

/**
 * The orphan sweep: servers that carry our tag but have no live instance behind them cost money
 * every hour (a refunded or failed order whose server was never deleted, a duplicate from a lost
 * create, an expired FAILED instance the lifecycle never looks at). Every configured provider's
 * tagged servers are compared with Postgres; an orphan is recorded when first seen and deleted
 * when it is still orphaned a grace period later (a create in flight, or a retry, gets time to
 * claim it), and each deletion is audited and reported to the owner.
 */
import type { InstanceStatus, OrderStatus, PrismaClient, ProviderCode } from "../../db/client.js";
import { audit } from "../audit.js";
import { PROVIDER_NAMES } from "../cloud/common.js";
import type { CloudServer } from "../cloud/provider.js";
import type { CloudProviders } from "../cloud/providers.js";
import { legacyOrderTag, ORDER_TAG_PREFIX, orderTag, shopTagPrefix } from "./provision.js";
import { currentShopId } from "./shop-id.js";

export interface OrphanSweepDeps {
  prisma: PrismaClient;
  providers: CloudProviders;
  /** How long a server must stay orphaned before it is deleted. Default 30 min. */
  graceMs?: number;
  now?: () => Date;
}

export interface OrphanSweepReport {
  deleted: Array<{ provider: ProviderCode; id: string; label: string; tags: string[]; firstSeenAt: Date }>;
  /** Deletions that failed; tried again by the next sweep. */
  failed: Array<{ provider: ProviderCode; id: string; error: string }>;
  /** Orphans seen and waiting out the grace period. */
  waiting: number;
  /** Providers whose servers could not be listed this time. */
  unlisted: Array<{ provider: ProviderCode; error: string }>;
  /**
   * Orphans with the legacy tag (`vpsbot-<order>`, no shop id), first seen in this sweep: reported,
   * never deleted. Such a tag does not say which installation made the server: on a cloud account
   * shared with another deployment (a staging copy, a second shop) it may be that one's live VPS,
   * whose order this database does not know, so only the owner can tell.
   */
  legacy: Array<{ provider: ProviderCode; id: string; label: string; tags: string[] }>;
}

/** A legacy tag's remainder is a bare order reference (ORD-20261121-ABCDE, lowercased). */
const LEGACY_REMAINDER = /^[a-z]+-\d{8}-[a-z0-9]+$/;

/** Which of a listed server's tags say whose it is: this installation's, legacy (anyone's), or neither. */
function ownership(server: CloudServer, shopId: string | undefined): "ours" | "legacy" | "foreign" {
  const tags = server.tags.filter((t) => t.startsWith(ORDER_TAG_PREFIX));
  if (shopId && tags.some((t) => t.startsWith(shopTagPrefix(shopId)))) return "ours";
  if (tags.some((t) => LEGACY_REMAINDER.test(t.slice(ORDER_TAG_PREFIX.length)))) return "legacy";
  return "foreign";
}

/** A customer's server, whatever its order went through later (a chargeback hold is the owner's call). */
const CUSTOMER_INSTANCE: readonly InstanceStatus[] = ["ACTIVE", "OFF", "SUSPENDED"];
/** Orders whose provisioning may still adopt a server carrying their tag. */
const IN_FLIGHT: readonly OrderStatus[] = ["PAID", "PROVISIONING"];

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

/**
 * The servers among `servers` (all at provider `code`) with no live instance behind them. Live:
 * an instance row names the server and is ACTIVE/OFF/SUSPENDED, or PROVISIONING for an order
 * still in flight; or no row names it but its tag's order is in flight and has recorded no
 * server yet (its run will adopt it by tag).
 */
async function orphansAmong(prisma: PrismaClient, code: ProviderCode, servers: CloudServer[], legacy = false): Promise<CloudServer[]> {
  if (servers.length === 0) return [];
  const prefix = legacy ? ORDER_TAG_PREFIX : shopTagPrefix();
  const tagOf = legacy ? legacyOrderTag : (reference: string) => orderTag(reference);
  const instances = await prisma.instance.findMany({
    where: { providerCode: code, providerInstanceId: { in: servers.map((s) => s.id) } },
    select: { providerInstanceId: true, status: true, order: { select: { status: true } } },
  });
  const byServer = new Map(instances.map((i) => [i.providerInstanceId!, i]));
  const references = [...new Set(servers.flatMap((s) => s.tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length).toUpperCase())))];
  const orders = await prisma.order.findMany({
    where: { reference: { in: references }, status: { in: [...IN_FLIGHT] } },
    select: { reference: true, createdInstance: { select: { providerInstanceId: true } } },
  });
  const awaitingServer = new Set(orders.filter((o) => !o.createdInstance?.providerInstanceId).map((o) => tagOf(o.reference)));
  return servers.filter((s) => {
    const instance = byServer.get(s.id);
    if (instance) return !(CUSTOMER_INSTANCE.includes(instance.status) || (instance.status === "PROVISIONING" && IN_FLIGHT.includes(instance.order.status)));
    return !s.tags.some((t) => awaitingServer.has(t));
  });
}

/** One sweep over every configured provider; throws only when no provider could be listed at all. */
export async function sweepOrphanServers(deps: OrphanSweepDeps): Promise<OrphanSweepReport> {
  const { prisma } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const graceMs = deps.graceMs ?? 30 * 60_000;
  const report: OrphanSweepReport = { deleted: [], failed: [], waiting: 0, unlisted: [], legacy: [] };
  const codes = Object.keys(deps.providers) as ProviderCode[];
  // Without a shop id (a bare process, never in a started service) nothing is provably ours.
  const shopId = currentShopId();
  for (const code of codes) {
    const provider = deps.providers[code]!;
    let orphans: CloudServer[];
    let legacyOrphans: CloudServer[];
    try {
      const listed = await provider.listTagged(ORDER_TAG_PREFIX);
      orphans = await orphansAmong(prisma, code, listed.filter((s) => ownership(s, shopId) === "ours"));
      legacyOrphans = await orphansAmong(prisma, code, listed.filter((s) => ownership(s, shopId) === "legacy"), true);
    } catch (err) {
      report.unlisted.push({ provider: code, error: message(err) });
      continue;
    }
    // Servers gone or live again are forgotten: their grace starts over if they are orphaned later.
    await prisma.orphanServer.deleteMany({ where: { providerCode: code, providerServerId: { notIn: [...orphans, ...legacyOrphans].map((s) => s.id) } } });
    const remember = (server: CloudServer) =>
      prisma.orphanServer.upsert({
        where: { providerCode_providerServerId: { providerCode: code, providerServerId: server.id } },
        create: { providerCode: code, providerServerId: server.id, label: server.label, tags: server.tags, firstSeenAt: now, lastSeenAt: now },
        update: { lastSeenAt: now, label: server.label, tags: server.tags },
      });
    for (const server of legacyOrphans) {
      // Reported once (when first seen), never deleted: see OrphanSweepReport.legacy.
      const row = await remember(server);
      if (row.firstSeenAt.getTime() === now.getTime()) report.legacy.push({ provider: code, id: server.id, label: server.label, tags: server.tags });
    }
    for (const server of orphans) {
      const row = await remember(server);
      if (row.deletedAt) {
        // Deleted by an earlier sweep but still listed (lists lag): ask again, quietly; "already gone" is fine.
        await provider.deleteServer(server.id).catch((err: unknown) => report.failed.push({ provider: code, id: server.id, error: message(err) }));
        continue;
      }
      if (now.getTime() - row.firstSeenAt.getTime() < graceMs) {
        report.waiting++;
        continue;
      }
      // Look again right before deleting: a retry may have claimed it since the listing.
      if ((await orphansAmong(prisma, code, [server])).length === 0) {
        await prisma.orphanServer.deleteMany({ where: { id: row.id } });
        continue;
      }
      // Claimed first, so two sweeps at once delete and report it once.
      const claimed = await prisma.orphanServer.updateMany({ where: { id: row.id, deletedAt: null }, data: { deletedAt: now } });
      if (claimed.count === 0) continue;
      try {
        await provider.deleteServer(server.id);
      } catch (err) {
        await prisma.orphanServer.updateMany({ where: { id: row.id }, data: { deletedAt: null } });
        report.failed.push({ provider: code, id: server.id, error: message(err) });
        continue;
      }
      await audit(prisma, {
        actorType: "SYSTEM",
        action: "provisioning.orphan_deleted",
        targetType: "server",
        targetId: `${code}:${server.id}`,
        details: { label: server.label, tags: server.tags, firstSeenAt: row.firstSeenAt.toISOString() },
      });
      report.deleted.push({ provider: code, id: server.id, label: server.label, tags: server.tags, firstSeenAt: row.firstSeenAt });
    }
  }
  if (codes.length > 0 && report.unlisted.length === codes.length) {
    throw new Error(`orphan sweep: no provider could list its servers (${report.unlisted.map((u) => `${u.provider}: ${u.error}`).join("; ")})`);
  }
  return report;
}

/** The owner's message for a sweep that deleted (or failed to delete) something; null otherwise. */
export function orphanSweepAlert(report: OrphanSweepReport): { severity: "warning"; title: string; detail: string } | null {
  if (report.deleted.length === 0 && report.failed.length === 0 && report.legacy.length === 0) return null;
  const lines = [
    ...report.deleted.map((d) => `dihapus: ${PROVIDER_NAMES[d.provider]} ${d.id} "${d.label}" [${d.tags.join(", ")}], tanpa pesanan aktif sejak ${d.firstSeenAt.toISOString()}`),
    ...report.failed.map((f) => `gagal dihapus (dicoba lagi nanti): ${PROVIDER_NAMES[f.provider]} ${f.id}: ${f.error}`),
    ...report.legacy.map(
      (l) => `TIDAK dihapus (tag lama tanpa ID toko, bisa milik instalasi lain di akun yang sama; periksa dan hapus manual bila memang sisa toko ini): ${PROVIDER_NAMES[l.provider]} ${l.id} "${l.label}" [${l.tags.join(", ")}]`,
    ),
  ];
  const failed = report.failed.length > 0 ? `, ${report.failed.length} gagal dihapus` : "";
  const legacy = report.legacy.length > 0 ? `, ${report.legacy.length} bertag lama perlu diperiksa` : "";
  return { severity: "warning", title: `Server tanpa pesanan aktif: ${report.deleted.length} dihapus${failed}${legacy}`, detail: lines.join("\n").slice(0, 3000) };
}

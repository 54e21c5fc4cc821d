import type { PrismaClient, ProviderCode } from "../../../db/client.js";
import type { CloudProvider } from "../../cloud/provider.js";
import { formatMemory } from "../../messages/format.js";
import { auditChange, type CatalogStaff } from "./staff-change.js";

/**
 * A new plan is picked from the provider's live lists (region, then a size offered there); its
 * specs come from the provider, never from what a button carries. It starts switched off, with
 * no prices: the owner adds prices and OS images on its card, then switches it on.
 */

export interface LiveSize {
  slug: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

const CODE_PREFIX: Record<ProviderCode, string> = { DIGITALOCEAN: "do", VULTR: "vultr", LINODE: "linode" };

/** Regions the provider can create servers in now, by slug. */
export async function liveRegions(provider: CloudProvider): Promise<Array<{ slug: string; name: string }>> {
  const regions = await provider.listRegions();
  return regions.filter((r) => r.available).map(({ slug, name }) => ({ slug, name })).sort((a, b) => a.slug.localeCompare(b.slug));
}

/** Sizes offered in one region, smallest first. */
export async function liveSizes(provider: CloudProvider, region: string): Promise<LiveSize[]> {
  const sizes = await provider.listSizes();
  return sizes
    .filter((s) => s.regions.includes(region))
    .map(({ slug, vcpus, memoryMb, diskGb }) => ({ slug, vcpus, memoryMb, diskGb }))
    .sort((a, b) => a.memoryMb - b.memoryMb || a.vcpus - b.vcpus || a.slug.localeCompare(b.slug));
}

export type CreatePlanResult =
  | { ok: true; planId: number }
  | { ok: false; reason: "exists"; planId: number }
  | { ok: false; reason: "not_offered" | "no_provider" };

/** Our stable code for a provider's size in a region, e.g. "do-s-1vcpu-1gb-sgp1". */
export function planCodeFor(code: ProviderCode, sizeSlug: string, region: string): string {
  return `${CODE_PREFIX[code]}-${sizeSlug}-${region}`.toLowerCase();
}

/**
 * Creates the plan for `sizeSlug` in `region`, reading both from the provider's lists again
 * (a size withdrawn since the list was shown is refused). One plan per size and region.
 */
export async function createPlanFromProvider(
  prisma: PrismaClient,
  actor: CatalogStaff,
  input: { provider: CloudProvider; region: string; sizeSlug: string },
): Promise<CreatePlanResult> {
  const code = input.provider.code;
  const size = (await liveSizes(input.provider, input.region)).find((s) => s.slug === input.sizeSlug);
  if (!size) return { ok: false, reason: "not_offered" };
  const planCode = planCodeFor(code, size.slug, input.region);
  return prisma.$transaction(async (tx) => {
    const provider = await tx.provider.findUnique({ where: { code } });
    if (!provider) return { ok: false, reason: "no_provider" } as const;
    const existing = await tx.plan.findUnique({ where: { code: planCode }, select: { id: true } });
    if (existing) return { ok: false, reason: "exists", planId: existing.id } as const;
    const last = await tx.plan.aggregate({ where: { providerId: provider.id }, _max: { sortOrder: true } });
    const plan = await tx.plan.create({
      data: {
        providerId: provider.id,
        code: planCode,
        name: `${provider.name} ${size.vcpus} vCPU ${formatMemory(size.memoryMb)}`,
        vcpu: size.vcpus,
        memoryMb: size.memoryMb,
        diskGb: size.diskGb,
        bandwidthGb: 0,
        region: input.region,
        providerSizeSlug: size.slug,
        active: false,
        sortOrder: (last._max.sortOrder ?? 0) + 1,
      },
    });
    const { id, createdAt: _c, updatedAt: _u, ...after } = plan;
    await auditChange(tx, actor, { action: "plan.create", targetType: "plan", targetId: id, before: null, after });
    return { ok: true, planId: id } as const;
  });
}

import type { PrismaClient } from "../../../db/client.js";
import type { CloudProvider } from "../../cloud/provider.js";
import type { EditResult } from "./plans.js";
import { auditChange, type CatalogStaff } from "./staff-change.js";

/**
 * OS images per plan, picked from the provider's live image list. The image row (OsImage) is
 * shared by the provider's plans and found by the provider's ref; a plan offers the images linked
 * to it (PlanImage). Removing an image from a plan keeps the image for the other plans.
 */

/** The provider's images, by name. */
export async function liveImages(provider: CloudProvider): Promise<Array<{ ref: string; name: string }>> {
  return (await provider.listImages()).sort((a, b) => a.name.localeCompare(b.name));
}

/** Our code for an image name: "Ubuntu 24.04 LTS" → "ubuntu-24.04-lts". */
export function imageCodeFor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 48) || "image";
}

export type AttachResult = { ok: true; imageId: number } | { ok: false; reason: "not_found" | "not_offered" };

/** Offers the provider image `ref` on the plan (read again from the provider's list). */
export async function attachImage(prisma: PrismaClient, actor: CatalogStaff, input: { planId: number; provider: CloudProvider; ref: string }): Promise<AttachResult> {
  const live = (await liveImages(input.provider)).find((i) => i.ref === input.ref);
  if (!live) return { ok: false, reason: "not_offered" };
  return prisma.$transaction(async (tx) => {
    const plan = await tx.plan.findUnique({ where: { id: input.planId }, include: { provider: true } });
    if (!plan || plan.provider.code !== input.provider.code) return { ok: false, reason: "not_found" } as const;
    let image = await tx.osImage.findUnique({ where: { providerId_providerRef: { providerId: plan.providerId, providerRef: live.ref } } });
    if (!image) {
      // Codes are unique per provider: a second image with the same name gets the ref appended.
      const base = imageCodeFor(live.name);
      const taken = await tx.osImage.findUnique({ where: { providerId_code: { providerId: plan.providerId, code: base } } });
      const code = taken ? `${base}-${imageCodeFor(live.ref)}`.slice(0, 64) : base;
      image = await tx.osImage.create({ data: { providerId: plan.providerId, code, name: live.name, providerRef: live.ref } });
    } else if (!image.active) {
      // Switched off for every plan of the provider: back on for all of them, so it is audited.
      image = await tx.osImage.update({ where: { id: image.id }, data: { active: true } });
      await auditChange(tx, actor, { action: "image.enable", targetType: "image", targetId: image.id, before: { active: false }, after: { active: true }, extra: { planId: plan.id, code: image.code, ref: image.providerRef } });
    }
    const linked = await tx.planImage.findUnique({ where: { planId_imageId: { planId: plan.id, imageId: image.id } } });
    if (!linked) {
      await tx.planImage.create({ data: { planId: plan.id, imageId: image.id } });
      await auditChange(tx, actor, { action: "plan.image.add", targetType: "plan", targetId: plan.id, before: null, after: { imageId: image.id, code: image.code, ref: image.providerRef } });
    }
    return { ok: true, imageId: image.id } as const;
  });
}

/** Stops offering an image on one plan. */
export async function detachImage(prisma: PrismaClient, actor: CatalogStaff, input: { planId: number; imageId: number }): Promise<EditResult> {
  return prisma.$transaction(async (tx) => {
    const key = { planId_imageId: { planId: input.planId, imageId: input.imageId } };
    const linked = await tx.planImage.findUnique({ where: key, include: { image: true } });
    if (!linked) return { ok: false, reason: "not_found" } as const;
    await tx.planImage.delete({ where: key });
    await auditChange(tx, actor, { action: "plan.image.remove", targetType: "plan", targetId: input.planId, before: { imageId: linked.imageId, code: linked.image.code, ref: linked.image.providerRef }, after: null });
    return { ok: true } as const;
  });
}

import { Composer } from "grammy";
import { QueueName, jobId } from "../../../jobs/queues.js";
import { formatIdr } from "../../../shop/money.js";
import { allowWithinWindow } from "../../../shop/orders/order-rate-limit.js";
import { openTransferFor } from "../../../shop/payments/manual-transfer.js";
import { MAX_PROOF_PIXELS, prepareProofImage, type ProofImageRejection } from "../../../shop/payments/proofs/proof-image.js";
import { ProofNotAcceptedError, pendingProofOf, storeProof } from "../../../shop/payments/proofs/transfer-proofs.js";
import { cardKeys } from "../../../shop/pending/cards.js";
import { reviewerChatIds } from "../../../shop/users/staff.js";
import type { BotContext } from "../../context.js";
import { downloadMessageFile, MAX_DOWNLOAD_BYTES } from "../../files.js";

const REFERENCE = /\b(ORD|TOP|RNW)-\d{8}-[2-9A-HJ-NP-Z]{5}\b/;

/** Images one customer may send per window: each one is downloaded and decoded. */
export const PROOF_UPLOADS = { limit: 5, windowMs: 10 * 60_000 } as const;

function rejectionText(ctx: BotContext, reason: ProofImageRejection): string {
  switch (reason) {
    case "not_image":
      return ctx.t("proof-not-image");
    case "too_large":
      return ctx.t("proof-too-large", { max: MAX_DOWNLOAD_BYTES / 1024 / 1024 });
    case "too_big_dimensions":
      return ctx.t("proof-too-many-pixels", { megapixels: MAX_PROOF_PIXELS / 1_000_000 });
    case "busy":
      return ctx.t("proof-busy");
  }
}

/**
 * A customer sends a photo (or an image file) of their bank transfer. It is
 * checked, stripped of metadata, re-encoded and encrypted before it is stored;
 * sellers get Approve / Reject buttons. Nothing is ever approved automatically.
 * One screenshot per transfer waits for a seller at a time (a refused one can be
 * replaced), and uploads per customer are rate-limited: each costs a download and a decode.
 */
export const proofFeature = new Composer<BotContext>();

proofFeature.chatType("private").on(["message:photo", "message:document"], async (ctx) => {
  const { prisma, config, queues } = ctx.deps;
  const document = ctx.message.document;
  if (document && !(document.mime_type ?? "").startsWith("image/")) {
    await ctx.reply(ctx.t("proof-not-image"));
    return;
  }
  const allowed = await allowWithinWindow(ctx.deps.redis, config.queuePrefix, { kind: "proof-uploads", userId: ctx.shopUser.id, ...PROOF_UPLOADS });
  if (!allowed) {
    await ctx.reply(ctx.t("proof-rate-limited", { minutes: PROOF_UPLOADS.windowMs / 60_000 }));
    return;
  }
  const named = ctx.message.caption ? REFERENCE.exec(ctx.message.caption.toUpperCase()) : null;
  let payment = await openTransferFor(prisma, ctx.shopUser.id);
  if (named) {
    const order = await prisma.order.findUnique({ where: { reference: named[0] }, select: { userId: true } });
    if (order && order.userId !== ctx.shopUser.id) {
      await ctx.reply(ctx.t("proof-not-your-order", { reference: named[0] }));
      return;
    }
    payment = payment?.order.reference === named[0] ? payment : null;
    if (!payment && order) payment = await openTransferFor(prisma, ctx.shopUser.id, named[0]);
  }
  if (!payment) {
    await ctx.reply(ctx.t("proof-no-open-transfer"));
    return;
  }
  // Checked before anything is downloaded; storeProof checks again under a lock.
  if (await pendingProofOf(prisma, payment.id)) {
    await ctx.reply(ctx.t("proof-already-pending", { reference: payment.order.reference }));
    return;
  }
  const download = await downloadMessageFile(ctx, config.telegram.apiRoot, config.telegram.token);
  if (!download.ok) {
    await ctx.reply(download.reason === "too_large" ? ctx.t("proof-too-large", { max: MAX_DOWNLOAD_BYTES / 1024 / 1024 }) : ctx.t("error-generic", { ref: "download" }));
    return;
  }
  const prepared = await prepareProofImage(download.bytes, { maxInputBytes: MAX_DOWNLOAD_BYTES });
  if (!prepared.ok) {
    await ctx.reply(rejectionText(ctx, prepared.reason));
    return;
  }
  let stored;
  try {
    stored = await storeProof(prisma, {
      key: config.encryptionKey,
      orderId: payment.order.id,
      userId: ctx.shopUser.id,
      paymentId: payment.id,
      image: prepared.image,
    });
  } catch (err) {
    if (!(err instanceof ProofNotAcceptedError)) throw err;
    await ctx.reply(err.reason === "already_pending" ? ctx.t("proof-already-pending", { reference: payment.order.reference }) : ctx.t("proof-no-open-transfer"));
    return;
  }
  await ctx.reply(ctx.t("proof-received", { reference: payment.order.reference }));
  const order = await prisma.order.findUniqueOrThrow({ where: { id: payment.order.id }, select: { planName: true, kind: true } });
  const customer = `${ctx.from.first_name}${ctx.from.username ? ` (@${ctx.from.username})` : ""} · id ${ctx.from.id}`;
  for (const reviewer of await reviewerChatIds(prisma, config)) {
    await queues.enqueue(
      QueueName.Notifications,
      {
        chatId: reviewer,
        key: "review-new-proof",
        params: { reference: payment.order.reference, plan: order.planName ?? order.kind, customer, amount: formatIdr(payment.totalIdr) },
        card: cardKeys.proof(stored.proofId),
        buttons: [
          [{ text: "t:review-view-proof", data: `rev:view:${stored.proofId}` }],
          [
            { text: "t:review-approve", data: `rev:ok:${payment.id}` },
            { text: "t:review-reject", data: `rev:no:${payment.id}` },
          ],
        ],
      },
      { jobId: jobId("proof", stored.proofId, reviewer) },
    );
  }
});

import type { PrismaClient } from "../../../db/client.js";
import type { InvoiceData } from "./invoice-pdf.js";

const METHOD_NAMES: Record<string, string> = { TRIPAY: "Tripay", MIDTRANS: "Midtrans", WALLET: "Saldo", MANUAL_TRANSFER: "Transfer bank" };

/**
 * Builds an invoice from our own records (the paid order and the payment that
 * paid it), never from what a gateway sent. Null if the order is not paid.
 */
export async function invoiceDataFor(prisma: PrismaClient, orderId: number, shopName: string): Promise<InvoiceData | null> {
  const order = await prisma.order.findUnique({
    where: { id: orderId },
    include: { user: true, payments: { where: { status: "PAID" }, orderBy: { paidAt: "asc" }, take: 1 } },
  });
  const payment = order?.payments[0];
  if (!order || !payment || !order.paidAt) return null;
  const locale = order.user.language === "en" ? "en" : "id";
  const description =
    order.kind === "WALLET_TOPUP"
      ? locale === "en" ? "Balance top-up" : "Isi saldo"
      : `VPS ${order.planName ?? ""} — ${order.imageName ?? ""}, ${order.durationMonths ?? 1} ${locale === "en" ? "month(s)" : "bulan"} (${order.region ?? ""})`;
  // The manual-transfer unique code is money the customer paid on top: shown with the fee.
  const extra = payment.feeIdr + payment.uniqueCodeIdr;
  return {
    shopName,
    orderReference: order.reference,
    issuedAt: order.paidAt,
    paidAt: payment.paidAt ?? order.paidAt,
    customer: { name: order.user.firstName ?? `Telegram ${order.user.telegramId}`, telegramId: order.user.telegramId },
    items: [{ description, quantity: 1, unitPriceIdr: order.basePriceIdr, amountIdr: order.basePriceIdr }],
    basePriceIdr: order.basePriceIdr,
    promoDiscountIdr: order.promoDiscountIdr,
    couponDiscountIdr: order.couponDiscountIdr,
    couponCode: order.couponCode,
    paymentFeeIdr: extra,
    totalPaidIdr: order.totalIdr + extra,
    paymentMethod: `${METHOD_NAMES[payment.gateway] ?? payment.gateway}${payment.method ? ` ${payment.method}` : ""}`,
    paymentReference: payment.gatewayReference ?? payment.attemptRef,
    locale,
  };
}

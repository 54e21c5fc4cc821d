/**
 * The paid-order invoice ("faktur") as a one-page A4 PDF, sent to the customer in the chat.
 *
 * Why a PDF drawn here with pdfkit: customers forward invoices to their office for
 * reimbursement, so it must look the same everywhere and print well; pdfkit is pure JS (no
 * headless browser on the VPS). It is a document, not chat text, so its few labels live in the
 * small dictionary below rather than in the bot's locale files.
 *
 * The built-in PDF fonts (Helvetica) only cover Windows-1252, so customer-supplied text (names
 * with emoji or non-Latin scripts) is reduced to what they can show instead of printing garbage.
 */
import type { default as PDFKit } from "pdfkit";
import { assertRupiah, formatIdr } from "../../money.js";

/** Language of the invoice labels. */
export type InvoiceLocale = "id" | "en";

/** One invoice line. `amountIdr` must equal `quantity × unitPriceIdr`. */
export interface InvoiceItem {
  description: string;
  quantity: number;
  unitPriceIdr: number;
  amountIdr: number;
}

/** Everything printed on an invoice. Amounts are integer rupiah and must add up (checked). */
export interface InvoiceData {
  shopName: string;
  orderReference: string;
  issuedAt: Date;
  paidAt: Date;
  customer: { name: string; telegramId: bigint | number | string };
  items: InvoiceItem[];
  /** Sum of the items. */
  basePriceIdr: number;
  promoDiscountIdr: number;
  couponDiscountIdr: number;
  couponCode?: string | null;
  paymentFeeIdr: number;
  /** base − promo − coupon + fee. */
  totalPaidIdr: number;
  /** e.g. "QRIS (Tripay)", "Saldo dompet", "Transfer BCA". */
  paymentMethod: string;
  paymentReference: string;
  locale: InvoiceLocale;
}

const LABELS = {
  id: {
    orderReference: "No. pesanan",
    issuedAt: "Tanggal faktur",
    paidAt: "Tanggal bayar",
    billedTo: "Ditagihkan kepada",
    telegramId: "ID Telegram",
    description: "Deskripsi",
    quantity: "Jml",
    unitPrice: "Harga satuan",
    amount: "Jumlah",
    basePrice: "Subtotal",
    promoDiscount: "Diskon promo",
    couponDiscount: "Diskon kupon",
    paymentFee: "Biaya pembayaran",
    totalPaid: "Total dibayar",
    paymentMethod: "Metode pembayaran",
    paymentReference: "Referensi pembayaran",
    thanks: "Terima kasih telah berbelanja.",
    electronic: "Faktur ini dibuat secara elektronik dan sah tanpa tanda tangan.",
    timezone: "WIB",
  },
  en: {
    orderReference: "Order no.",
    issuedAt: "Invoice date",
    paidAt: "Payment date",
    billedTo: "Billed to",
    telegramId: "Telegram ID",
    description: "Description",
    quantity: "Qty",
    unitPrice: "Unit price",
    amount: "Amount",
    basePrice: "Subtotal",
    promoDiscount: "Promo discount",
    couponDiscount: "Coupon discount",
    paymentFee: "Payment fee",
    totalPaid: "Total paid",
    paymentMethod: "Payment method",
    paymentReference: "Payment reference",
    thanks: "Thank you for your purchase.",
    electronic: "This invoice was issued electronically and is valid without a signature.",
    timezone: "WIB",
  },
} as const satisfies Record<InvoiceLocale, Record<string, string>>;

const TITLE = "INVOICE / FAKTUR";
const PAID_MARK = "LUNAS / PAID";

// Characters Windows-1252 has above Latin-1's printable ranges.
const CP1252_EXTRA = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");

/** Keeps what Helvetica (WinAnsi) can print: emoji are dropped, other unprintables become "?". */
export function toPdfText(text: string): string {
  let out = "";
  for (const ch of text.normalize("NFC")) {
    const code = ch.codePointAt(0)!;
    if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || CP1252_EXTRA.has(ch)) out += ch;
    else if (code < 0x20 || code === 0x7f) out += " ";
    else if (/\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u200d|\ufe0e|\ufe0f/u.test(ch)) continue;
    else out += "?";
  }
  const cleaned = out.replace(/\s+/g, " ").trim();
  return cleaned === "" ? "-" : cleaned;
}

/** `21 November 2026, 10:05 WIB` (Asia/Jakarta, month name in the invoice's language). */
function jakartaDateTime(date: Date, locale: InvoiceLocale): string {
  const parts = new Intl.DateTimeFormat(locale === "id" ? "id-ID" : "en-GB", {
    timeZone: "Asia/Jakarta",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("day")} ${part("month")} ${part("year")}, ${part("hour")}:${part("minute")} ${LABELS[locale].timezone}`;
}

/** Refuses an invoice whose numbers do not add up: a wrong invoice is worse than none. */
function assertConsistent(d: InvoiceData): void {
  if (d.items.length === 0) throw new RangeError("an invoice needs at least one item");
  let sum = 0;
  for (const item of d.items) {
    if (!Number.isSafeInteger(item.quantity) || item.quantity <= 0) throw new RangeError(`item quantity must be a positive integer, got ${item.quantity}`);
    assertRupiah(item.unitPriceIdr, "unitPriceIdr");
    assertRupiah(item.amountIdr, "amountIdr");
    if (item.amountIdr !== item.quantity * item.unitPriceIdr) throw new RangeError(`item "${item.description}": ${item.quantity} × ${item.unitPriceIdr} ≠ ${item.amountIdr}`);
    sum += item.amountIdr;
  }
  for (const [name, value] of Object.entries({ basePriceIdr: d.basePriceIdr, promoDiscountIdr: d.promoDiscountIdr, couponDiscountIdr: d.couponDiscountIdr, paymentFeeIdr: d.paymentFeeIdr, totalPaidIdr: d.totalPaidIdr })) {
    assertRupiah(value, name);
  }
  if (sum !== d.basePriceIdr) throw new RangeError(`items sum to ${sum}, basePriceIdr is ${d.basePriceIdr}`);
  const expected = d.basePriceIdr - d.promoDiscountIdr - d.couponDiscountIdr + d.paymentFeeIdr;
  if (expected !== d.totalPaidIdr) throw new RangeError(`totalPaidIdr ${d.totalPaidIdr} ≠ base − promo − coupon + fee = ${expected}`);
}

const PAGE = { width: 595.28, height: 841.89, margin: 50 };
const LEFT = PAGE.margin;
const RIGHT = PAGE.width - PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin;
const INK = "#1f2328";
const MUTED = "#656d76";
const RULE = "#d0d7de";
const PAID_GREEN = "#1a7f37";
let pdfkitModule: Promise<{ default: typeof PDFKit }> | undefined;

/** Items table: description | qty | unit price | amount. */
const COLS = { desc: { x: LEFT + 6, w: 250 }, qty: { x: 306, w: 40 }, unit: { x: 350, w: 95 }, amount: { x: 449, w: RIGHT - 449 - 6 } };

/**
 * Renders the invoice of a paid order as an A4 PDF: shop name and "INVOICE / FAKTUR", order
 * reference, issue and payment dates in Jakarta time, the items, the price breakdown, the
 * total, how it was paid and a "LUNAS / PAID" mark. Throws RangeError if the amounts do not add up.
 */
export async function renderInvoicePdf(data: InvoiceData): Promise<Buffer> {
  assertConsistent(data);
  const L = LABELS[data.locale];
  // pdfkit (with fontkit and its tables, ~10 MiB of heap) loads with the first invoice, in the worker only.
  const { default: PDFDocument } = await (pdfkitModule ??= import("pdfkit"));
  const doc = new PDFDocument({
    size: "A4",
    margin: PAGE.margin,
    lang: data.locale === "id" ? "id-ID" : "en-GB",
    info: { Title: `${TITLE} ${data.orderReference}`, Author: toPdfText(data.shopName), Subject: data.orderReference, CreationDate: data.issuedAt },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolvePdf, reject) => {
    doc.on("end", () => resolvePdf(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  // Header
  doc.fillColor(INK).font("Helvetica-Bold").fontSize(20).text(toPdfText(data.shopName), LEFT, PAGE.margin, { width: 300, lineBreak: false, ellipsis: true });
  doc.font("Helvetica-Bold").fontSize(16).text(TITLE, 300, PAGE.margin + 3, { width: RIGHT - 300, align: "right" });
  doc.moveTo(LEFT, 88).lineTo(RIGHT, 88).lineWidth(1).strokeColor(RULE).stroke();

  // Order facts (left) and customer (right)
  let y = 102;
  for (const [label, value] of [
    [L.orderReference, toPdfText(data.orderReference)],
    [L.issuedAt, jakartaDateTime(data.issuedAt, data.locale)],
    [L.paidAt, jakartaDateTime(data.paidAt, data.locale)],
  ] as const) {
    doc.font("Helvetica").fontSize(9).fillColor(MUTED).text(label, LEFT, y + 1, { width: 100 });
    doc.font("Helvetica-Bold").fontSize(10).fillColor(INK).text(value, LEFT + 100, y, { width: 200 });
    y += 18;
  }
  doc.font("Helvetica").fontSize(9).fillColor(MUTED).text(L.billedTo, 340, 103, { width: RIGHT - 340 });
  doc.font("Helvetica-Bold").fontSize(11).fillColor(INK).text(toPdfText(data.customer.name), 340, 117, { width: RIGHT - 340 });
  doc.font("Helvetica").fontSize(9).fillColor(MUTED).text(`${L.telegramId}: ${String(data.customer.telegramId)}`, 340, doc.y + 2, { width: RIGHT - 340 });

  // Items table
  y = Math.max(y, doc.y) + 22;
  const tableHeader = () => {
    doc.rect(LEFT, y, RIGHT - LEFT, 20).fillColor("#f6f8fa").fill();
    doc.font("Helvetica-Bold").fontSize(9).fillColor(MUTED);
    doc.text(L.description, COLS.desc.x, y + 6, { width: COLS.desc.w });
    doc.text(L.quantity, COLS.qty.x, y + 6, { width: COLS.qty.w, align: "right" });
    doc.text(L.unitPrice, COLS.unit.x, y + 6, { width: COLS.unit.w, align: "right" });
    doc.text(L.amount, COLS.amount.x, y + 6, { width: COLS.amount.w, align: "right" });
    y += 26;
  };
  tableHeader();
  for (const item of data.items) {
    const description = toPdfText(item.description);
    doc.font("Helvetica").fontSize(10);
    const rowHeight = Math.max(doc.heightOfString(description, { width: COLS.desc.w }), 12) + 10;
    if (y + rowHeight > BOTTOM - 40) {
      doc.addPage();
      y = PAGE.margin;
      tableHeader();
    }
    doc.fillColor(INK).font("Helvetica").fontSize(10);
    doc.text(description, COLS.desc.x, y, { width: COLS.desc.w });
    doc.text(String(item.quantity), COLS.qty.x, y, { width: COLS.qty.w, align: "right" });
    doc.text(formatIdr(item.unitPriceIdr), COLS.unit.x, y, { width: COLS.unit.w, align: "right" });
    doc.text(formatIdr(item.amountIdr), COLS.amount.x, y, { width: COLS.amount.w, align: "right" });
    y += rowHeight;
    doc.moveTo(LEFT, y - 5).lineTo(RIGHT, y - 5).lineWidth(0.5).strokeColor(RULE).stroke();
  }

  // Breakdown and total
  if (y + 230 > BOTTOM) {
    doc.addPage();
    y = PAGE.margin;
  }
  y += 8;
  const lines: [string, string][] = [[L.basePrice, formatIdr(data.basePriceIdr)]];
  if (data.promoDiscountIdr > 0) lines.push([L.promoDiscount, `- ${formatIdr(data.promoDiscountIdr)}`]);
  if (data.couponDiscountIdr > 0) {
    lines.push([data.couponCode ? `${L.couponDiscount} (${toPdfText(data.couponCode)})` : L.couponDiscount, `- ${formatIdr(data.couponDiscountIdr)}`]);
  }
  lines.push([L.paymentFee, formatIdr(data.paymentFeeIdr)]);
  for (const [label, value] of lines) {
    doc.font("Helvetica").fontSize(10).fillColor(MUTED).text(label, 300, y, { width: 145 });
    doc.fillColor(INK).text(value, 445, y, { width: RIGHT - 445 - 6, align: "right" });
    y += 17;
  }
  doc.moveTo(300, y).lineTo(RIGHT, y).lineWidth(1).strokeColor(INK).stroke();
  y += 8;
  doc.font("Helvetica-Bold").fontSize(12).fillColor(INK).text(L.totalPaid, 300, y, { width: 145 });
  doc.text(formatIdr(data.totalPaidIdr), 420, y, { width: RIGHT - 420 - 6, align: "right" });
  y += 40;

  // Payment and the PAID mark
  doc.font("Helvetica").fontSize(9).fillColor(MUTED).text(L.paymentMethod, LEFT, y, { width: 240 });
  doc.font("Helvetica-Bold").fontSize(10).fillColor(INK).text(toPdfText(data.paymentMethod), LEFT, y + 13, { width: 240 });
  doc.font("Helvetica").fontSize(9).fillColor(MUTED).text(L.paymentReference, LEFT, y + 34, { width: 240 });
  doc.font("Helvetica-Bold").fontSize(10).fillColor(INK).text(toPdfText(data.paymentReference), LEFT, y + 47, { width: 240 });

  const stamp = { x: 370, y: y + 4, w: 170, h: 48 };
  doc.save();
  doc.rotate(-8, { origin: [stamp.x + stamp.w / 2, stamp.y + stamp.h / 2] });
  doc.roundedRect(stamp.x, stamp.y, stamp.w, stamp.h, 6).lineWidth(3).strokeColor(PAID_GREEN).stroke();
  doc.font("Helvetica-Bold").fontSize(20).fillColor(PAID_GREEN).text(PAID_MARK, stamp.x, stamp.y + 15, { width: stamp.w, align: "center", lineBreak: false });
  doc.restore();

  // Footer
  doc.font("Helvetica").fontSize(8).fillColor(MUTED);
  doc.text(`${L.thanks} ${L.electronic}`, LEFT, BOTTOM - 20, { width: RIGHT - LEFT, align: "center", lineBreak: false });

  doc.end();
  return finished;
}

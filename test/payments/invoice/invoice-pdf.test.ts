/**
 * The invoice PDF (shop/payments/invoice/invoice-pdf.ts), checked the way a customer sees it:
 * the first page is rendered to PNG with MuPDF (WebAssembly, no system tools), and its text is
 * extracted from the PDF. The order is the one used in test/shop/orders.test.ts:
 * 75.000 − promo 15.000 − coupon HEMAT10 6.000 = 54.000.
 */
import * as mupdf from "mupdf";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { renderInvoicePdf, toPdfText, type InvoiceData } from "../../../shop/payments/invoice/invoice-pdf.js";

const invoice = (over: Partial<InvoiceData> = {}): InvoiceData => ({
  shopName: "Awan Nusantara VPS",
  orderReference: "ORD-20261121-7KQ2M",
  issuedAt: new Date("2026-11-21T03:05:00.000Z"), // 10:05 WIB
  paidAt: new Date("2026-11-21T02:58:00.000Z"),
  customer: { name: "Budi Santoso 😀", telegramId: 5_123_456_789n },
  items: [{ description: "DO Basic 1 GB (Singapore) — Ubuntu 22.04 LTS, 1 bulan", quantity: 1, unitPriceIdr: 75_000, amountIdr: 75_000 }],
  basePriceIdr: 75_000,
  promoDiscountIdr: 15_000,
  couponDiscountIdr: 6_000,
  couponCode: "HEMAT10",
  paymentFeeIdr: 0,
  totalPaidIdr: 54_000,
  paymentMethod: "QRIS (Tripay)",
  paymentReference: "T0001000023456ABCDE",
  locale: "id",
  ...over,
});

interface Rendered {
  pages: number;
  text: string;
  png: Buffer;
  width: number;
  height: number;
  darkPixels: number;
  greenPixels: number;
}

/** Opens the PDF with MuPDF: page count, first-page text, and the first page as a 2× PNG. */
function renderFirstPage(pdf: Buffer): Rendered {
  const doc = mupdf.Document.openDocument(pdf, "application/pdf");
  try {
    const page = doc.loadPage(0);
    // wrapped lines joined with single spaces, so assertions do not depend on line breaks
    const text = page.toStructuredText("preserve-whitespace").asText().replace(/\s+/g, " ");
    const pixmap = page.toPixmap(mupdf.Matrix.scale(2, 2), mupdf.ColorSpace.DeviceRGB, false, true);
    const pixels = pixmap.getPixels();
    const n = pixmap.getNumberOfComponents();
    let darkPixels = 0;
    let greenPixels = 0;
    for (let i = 0; i < pixels.length; i += n) {
      const [r, g, b] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!];
      if (r < 80 && g < 80 && b < 80) darkPixels++;
      if (g > 100 && r < 80 && b < 100) greenPixels++;
    }
    const result = { pages: doc.countPages(), text, png: Buffer.from(pixmap.asPNG()), width: pixmap.getWidth(), height: pixmap.getHeight(), darkPixels, greenPixels };
    pixmap.destroy();
    page.destroy();
    return result;
  } finally {
    doc.destroy();
  }
}

describe("renderInvoicePdf", () => {
  it("renders an A4 page with ink, the reference, the amounts in rupiah and the PAID mark (Bahasa Indonesia)", async () => {
    const pdf = await renderInvoicePdf(invoice());
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const page = renderFirstPage(pdf);
    expect(page.pages).toBe(1);

    // A4 at 2× (595 × 842 pt): 1191 × 1684 px, and the PNG says so too.
    expect(page.width).toBe(1191);
    expect(page.height).toBe(1684);
    expect(page.png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(await sharp(page.png).metadata()).toMatchObject({ format: "png", width: 1191, height: 1684 });
    // Not blank: text is dark ink on white, and the stamp is green.
    expect(page.darkPixels).toBeGreaterThan(5_000);
    expect(page.darkPixels).toBeLessThan(page.width * page.height * 0.2);
    expect(page.greenPixels).toBeGreaterThan(1_000);
    const stats = await sharp(page.png).stats();
    expect(stats.isOpaque).toBe(true);
    expect(stats.channels[0]!.mean).toBeGreaterThan(200); // mostly white paper

    const text = page.text;
    for (const expected of [
      "Awan Nusantara VPS",
      "INVOICE / FAKTUR",
      "ORD-20261121-7KQ2M",
      "21 November 2026, 10:05 WIB",
      "21 November 2026, 09:58 WIB",
      "Budi Santoso",
      "ID Telegram: 5123456789",
      "DO Basic 1 GB (Singapore) — Ubuntu 22.04 LTS, 1 bulan",
      "Rp 75.000",
      "- Rp 15.000",
      "Diskon kupon (HEMAT10)",
      "- Rp 6.000",
      "Biaya pembayaran",
      "Rp 0",
      "Total dibayar",
      "Rp 54.000",
      "QRIS (Tripay)",
      "T0001000023456ABCDE",
      "LUNAS / PAID",
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain("Total paid");
    expect(text).not.toMatch(/Ø=|\uFFFD/); // the emoji did not turn into garbage glyphs
  });

  it("uses English labels for locale en and omits zero discounts", async () => {
    const pdf = await renderInvoicePdf(
      invoice({
        locale: "en",
        items: [
          { description: "Vultr Cloud 2 GB (Jakarta), renewal 3 months", quantity: 1, unitPriceIdr: 300_000, amountIdr: 300_000 },
          { description: "Extra IPv4", quantity: 3, unitPriceIdr: 25_000, amountIdr: 75_000 },
        ],
        basePriceIdr: 375_000,
        promoDiscountIdr: 0,
        couponDiscountIdr: 0,
        couponCode: null,
        paymentFeeIdr: 4_250,
        totalPaidIdr: 379_250,
        paidAt: new Date("2026-12-31T17:30:00.000Z"), // already 1 January in Jakarta
      }),
    );
    const { text, darkPixels } = renderFirstPage(pdf);
    expect(darkPixels).toBeGreaterThan(5_000);
    for (const expected of ["Order no.", "Invoice date", "Payment date", "Billed to", "Telegram ID", "Total paid", "Rp 379.250", "Rp 4.250", "Rp 25.000", "1 January 2027, 00:30 WIB", "LUNAS / PAID", "INVOICE / FAKTUR"]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain("Promo discount");
    expect(text).not.toContain("Coupon discount");
    expect(text).not.toContain("Total dibayar");
  });

  it("flows many items onto more pages", async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ description: `VPS #${i + 1} perpanjangan 1 bulan`, quantity: 1, unitPriceIdr: 50_000, amountIdr: 50_000 }));
    const pdf = await renderInvoicePdf(invoice({ items, basePriceIdr: 2_000_000, promoDiscountIdr: 0, couponDiscountIdr: 0, couponCode: null, totalPaidIdr: 2_000_000 }));
    const doc = mupdf.Document.openDocument(pdf, "application/pdf");
    try {
      expect(doc.countPages()).toBeGreaterThan(1);
      const all = Array.from({ length: doc.countPages() }, (_, i) => doc.loadPage(i).toStructuredText("preserve-whitespace").asText()).join("\n");
      expect(all).toContain("VPS #40 perpanjangan 1 bulan");
      expect(all).toContain("Rp 2.000.000");
    } finally {
      doc.destroy();
    }
  });

  it("refuses amounts that do not add up", async () => {
    await expect(renderInvoicePdf(invoice({ totalPaidIdr: 54_001 }))).rejects.toThrow(RangeError);
    await expect(renderInvoicePdf(invoice({ basePriceIdr: 80_000, totalPaidIdr: 59_000 }))).rejects.toThrow(/items sum to 75000/);
    await expect(renderInvoicePdf(invoice({ items: [{ description: "x", quantity: 2, unitPriceIdr: 30_000, amountIdr: 75_000 }] }))).rejects.toThrow(RangeError);
    await expect(renderInvoicePdf(invoice({ items: [] }))).rejects.toThrow(RangeError);
    await expect(renderInvoicePdf(invoice({ paymentFeeIdr: 0.5, totalPaidIdr: 54_000.5 }))).rejects.toThrow(RangeError);
  });

  it("toPdfText keeps Latin text, drops emoji and marks other scripts", () => {
    expect(toPdfText("Budi 😀 Santoso")).toBe("Budi Santoso");
    expect(toPdfText("José — “Ñoño” €5")).toBe("José — “Ñoño” €5");
    expect(toPdfText("王小明")).toBe("???");
    expect(toPdfText("👍🏽❤️")).toBe("-");
    expect(toPdfText("a\nb\tc")).toBe("a b c");
  });
});

/**
 * A plausible dynamic QRIS payload (EMVCo merchant-presented QR, Indonesian profile) for the
 * fake Tripay. Real wallets will not pay it, but QR renderers and parsers treat it like the
 * real thing: TLV fields, amount in tag 54, CRC16/CCITT-FALSE in tag 63.
 */

function tlv(id: string, value: string): string {
  if (value.length > 99) throw new RangeError(`EMV field ${id} too long`);
  return `${id}${String(value.length).padStart(2, "0")}${value}`;
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo requires, 4 upper-case hex digits. */
export function emvCrc16(data: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(data, "utf8")) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, "0");
}

/** Builds the QR string for one transaction (amount in integer rupiah). */
export function buildQrisString(opts: { amount: number; reference: string; merchantName?: string; city?: string }): string {
  const body =
    tlv("00", "01") +
    tlv("01", "12") + // dynamic: one payment, fixed amount
    tlv("26", tlv("00", "ID.CO.SHOPEE.WWW") + tlv("01", "936009180000000000") + tlv("02", "FAKETRIPAY") + tlv("03", "UMI")) +
    tlv("51", tlv("00", "ID.CO.QRIS.WWW") + tlv("02", "ID1020000000001") + tlv("03", "UMI")) +
    tlv("52", "4816") + // MCC: computer network / information services
    tlv("53", "360") + // IDR
    tlv("54", String(opts.amount)) +
    tlv("58", "ID") +
    tlv("59", (opts.merchantName ?? "FAKE TRIPAY MERCHANT").slice(0, 25)) +
    tlv("60", (opts.city ?? "JAKARTA").slice(0, 15)) +
    tlv("62", tlv("05", opts.reference.slice(0, 25))) +
    "6304";
  return body + emvCrc16(body);
}

/**
 * What a payment gateway told us about one payment attempt, already verified
 * (signature checked, or status fetched from the gateway). Gateways map their
 * own vocabularies to this; the settlement code only speaks this.
 */
export type GatewayOutcome =
  | { kind: "paid"; amountIdr: number; paidAt: Date; gatewayReference?: string; method?: string }
  /** Money may be taken but a human must decide (Midtrans capture + challenge). */
  | { kind: "challenge"; amountIdr: number; gatewayReference?: string }
  | { kind: "pending" }
  | { kind: "expired" }
  | { kind: "failed"; reason?: string }
  | { kind: "refunded" };

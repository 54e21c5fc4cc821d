/**
 * The wallet: a double-entry ledger (see db/schema.prisma, models Wallet, LedgerTransaction,
 * LedgerEntry). Import wallet functions from here; the implementation is split by concern:
 *
 * - accounts.ts        account names (`wallet:<userId>`, `gateway:<code>`, `sales`, `refunds`…)
 * - post-ledger.ts     `postLedger` (idempotent, balanced, no overdraft) and `lockWallet`
 * - balance.ts         `walletBalance` (derived by SUM) and `walletHistory`
 * - credits.ts         `creditTopUp`, `refundToWallet`
 * - pay-from-wallet.ts `payOrderFromWallet`
 */
export { ADJUSTMENTS_ACCOUNT, REFUNDS_ACCOUNT, SALES_ACCOUNT, gatewayAccount, parseAccount, walletAccount, type IncomingGateway, type LedgerAccount } from "./accounts.js";
export { walletBalance, walletHistory, type WalletHistoryItem, type WalletHistoryPage } from "./balance.js";
export { creditTopUp, refundToWallet, type RefundResult, type TopUpCredit } from "./credits.js";
export { WALLET_PAYMENT_FEE_IDR, payOrderFromWallet, walletAttemptRef, type WalletPaymentResult } from "./pay-from-wallet.js";
export {
  LedgerError,
  assertInTransaction,
  lockWallet,
  postLedger,
  type LedgerEntryInput,
  type LedgerErrorCode,
  type PostLedgerInput,
  type PostedLedger,
} from "./post-ledger.js";

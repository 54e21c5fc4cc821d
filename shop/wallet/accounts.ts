/**
 * Names of the ledger accounts. An account is just a string on each entry; its balance is the
 * sum of its entries. Keeping the names in one place means a typo cannot open a new account
 * that silently holds money.
 *
 * - `wallet:<userId>`  what the user can spend (entries also carry `userId`)
 * - `gateway:<code>`   money received through a payment gateway (`gateway:tripay`, `gateway:midtrans`)
 * - `bank:manual`      money received by manual bank transfer (as documented in db/schema.prisma)
 * - `sales`            revenue from orders paid out of wallets
 * - `refunds`          money handed back to customers
 * - `adjustments`      manual corrections by an owner
 */
import type { PaymentGateway } from "../../db/client.js";

/** A ledger account name (see the module comment for the list). */
export type LedgerAccount = `wallet:${number}` | `gateway:${string}` | `bank:${string}` | "sales" | "refunds" | "adjustments";

/** Revenue account credited when an order is paid from a wallet. */
export const SALES_ACCOUNT = "sales" as const;
/** Source account of refunds to a wallet. */
export const REFUNDS_ACCOUNT = "refunds" as const;
/** Source/sink of manual corrections. */
export const ADJUSTMENTS_ACCOUNT = "adjustments" as const;

/** Gateways through which outside money enters the shop (the wallet only moves money inside). */
export type IncomingGateway = Exclude<PaymentGateway, "WALLET">;

/** The wallet account of a user: its entries sum to the user's spendable balance. */
export function walletAccount(userId: number): `wallet:${number}` {
  if (!Number.isSafeInteger(userId) || userId <= 0) throw new RangeError(`userId must be a positive integer, got ${userId}`);
  return `wallet:${userId}`;
}

/**
 * The account that received the money of a top-up paid through `gateway`. Manual transfers land
 * in the shop's bank account (`bank:manual`), the others at the gateway (`gateway:tripay`…).
 */
export function gatewayAccount(gateway: IncomingGateway): LedgerAccount {
  if (gateway === "MANUAL_TRANSFER") return "bank:manual";
  if (gateway === "TRIPAY" || gateway === "MIDTRANS") return `gateway:${gateway.toLowerCase()}`;
  throw new RangeError(`no ledger account for gateway ${String(gateway)}`);
}

const WALLET = /^wallet:([1-9]\d*)$/;
const OTHER = /^(?:gateway:[a-z0-9_-]+|bank:[a-z0-9_-]+|sales|refunds|adjustments)$/;

/**
 * Checks an account name is one of the known kinds and returns the wallet owner for
 * `wallet:<id>` accounts (null for the shop's own accounts); throws RangeError otherwise.
 */
export function parseAccount(account: string): { walletUserId: number | null } {
  const wallet = WALLET.exec(account);
  if (wallet) return { walletUserId: Number(wallet[1]) };
  if (OTHER.test(account)) return { walletUserId: null };
  throw new RangeError(`unknown ledger account "${account}"`);
}

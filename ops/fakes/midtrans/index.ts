export {
  startFakeMidtrans,
  type FakeMidtrans,
  type FakeMidtransNotification,
  type FakeMidtransOptions,
  type FakeMidtransPayOptions,
  type FakeMidtransTransaction,
  type FakeMidtransTransactionStatus,
} from "./server.js";

export { startFakeTripay, type FakeTripay, type FakeTripayCallback, type FakeTripayOptions, type FakeTripayPayOptions, type FakeTripayStatus, type FakeTripayTransaction } from "./server.js";

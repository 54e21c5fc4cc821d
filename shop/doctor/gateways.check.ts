import { MidtransClient } from "../payments/gateways/midtrans.js";
import { TripayClient } from "../payments/gateways/tripay.js";
import { withTimeout } from "../maintenance/timeout.js";
import { fail, pass, reason, warn, type DoctorCheck, type DoctorResult } from "./types.js";

/**
 * Payment gateways: production mode, and the keys accepted by one harmless signed call each
 * (Tripay's channel list; Midtrans' status of an order that does not exist, where 404 means
 * the key was accepted). Fresh clients without caches, no retries, a timeout.
 */
export const gatewayChecks: DoctorCheck = async ({ config, timeoutMs }) => {
  const out: DoctorResult[] = [];
  const fetchOptions = { retries: 0, timeoutMs };
  const { tripay, midtrans } = config;
  if (!tripay && !midtrans) out.push(fail("payment gateway", "neither Tripay nor Midtrans is configured", "Set TRIPAY_* or MIDTRANS_SERVER_KEY in .env."));

  if (tripay) {
    const sandbox = tripay.mode !== "production" || /sandbox/i.test(tripay.apiUrl) || tripay.apiKey.startsWith("DEV-");
    out.push(
      sandbox
        ? fail("Tripay production mode", `TRIPAY_MODE=${tripay.mode}${tripay.apiKey.startsWith("DEV-") ? ", a sandbox API key (DEV-…)" : ""}`, "Set TRIPAY_MODE=production with the production API key, private key and merchant code (Tripay dashboard → API).")
        : pass("Tripay production mode", "TRIPAY_MODE=production"),
    );
    try {
      const channels = await withTimeout(new TripayClient(tripay, { fetchOptions }).listChannels(), timeoutMs + 500);
      out.push(pass("Tripay credentials", `${channels.length} active payment channels`));
    } catch (err) {
      out.push(fail("Tripay credentials", reason(err), "Check TRIPAY_API_KEY / TRIPAY_MERCHANT_CODE and that this server's IP is whitelisted in the Tripay dashboard."));
    }
  }

  if (midtrans) {
    const sandbox = !midtrans.isProduction || /sandbox/i.test(midtrans.apiUrl) || midtrans.serverKey.startsWith("SB-");
    out.push(
      sandbox
        ? fail("Midtrans production mode", `MIDTRANS_IS_PRODUCTION=${midtrans.isProduction}${midtrans.serverKey.startsWith("SB-") ? ", a sandbox server key (SB-…)" : ""}`, "Set MIDTRANS_IS_PRODUCTION=true with the production server key (Midtrans dashboard → Settings → Access keys).")
        : pass("Midtrans production mode", "MIDTRANS_IS_PRODUCTION=true"),
    );
    try {
      await withTimeout(new MidtransClient(midtrans, { fetchOptions }).status(`doctor-${Date.now()}`), timeoutMs + 500);
      out.push(pass("Midtrans credentials", "server key accepted (status of an unknown order: 404)"));
    } catch (err) {
      out.push(fail("Midtrans credentials", reason(err), "Check MIDTRANS_SERVER_KEY (production keys start with Mid-server-)."));
    }
  }
  if (!tripay && midtrans) out.push(warn("Tripay", "not configured", "Optional: set TRIPAY_* to offer QRIS, virtual accounts and e-wallets through Tripay."));
  return out;
};

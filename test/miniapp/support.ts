/**
 * The Mini App under test: the whole service (web + worker roles) over real HTTP with the fake
 * clouds, the bundle built first, and helpers that sign launches the way Telegram does.
 */
import { createProviders } from "../../shop/cloud/providers.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { signInitData } from "../../shop/miniapp/init-data.js";
import { newOrderReference } from "../../shop/orders/reference.js";
import { creditTopUp } from "../../shop/wallet/ledger.js";
import { activeInstance, newUser } from "../provisioning/fixtures.js";
import { startTestService, TEST_TOKEN, type TestService } from "../support/service.js";
import { buildMiniApp } from "../../webhooks/miniapp/build.mjs";

export { TEST_TOKEN };

let queryId = 0;

/** A launch's initData for `user`, signed with `token` (default: the service's bot token). */
export function launch(user: { telegramId: bigint | number; firstName?: string | null }, opts: { token?: string; authDate?: Date } = {}): string {
  const authDate = Math.floor((opts.authDate ?? new Date()).getTime() / 1000);
  const fields = {
    query_id: `AAE${process.pid}-${++queryId}-${Date.now()}`,
    user: JSON.stringify({ id: Number(user.telegramId), first_name: user.firstName ?? "Pembeli", language_code: "id" }),
    auth_date: String(authDate),
  };
  return signInitData(fields, opts.token ?? TEST_TOKEN);
}

export interface MiniAppRig {
  t: TestService;
  url: (path: string) => string;
  /** POST /app/api/session with `initData`; the raw response. */
  openSession(initData: string): Promise<Response>;
  /** A fresh session token for a user. */
  tokenFor(user: { telegramId: bigint | number }): Promise<string>;
  /** JSON call to /app/api with a bearer token. */
  call(token: string | null, path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The same call, its Response as it came (headers, status). */
  rawCall(token: string | null, path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** Money in the user's wallet, as a paid Tripay top-up credits it. */
  fundWallet(userId: number, amountIdr: number): Promise<void>;
  /** A customer with an ACTIVE DigitalOcean VPS on the fake cloud, its order paid (with an invoice). */
  customerWithVps(): Promise<{ user: { id: number; telegramId: bigint; firstName: string | null }; instanceId: number; orderId: number }>;
  stop(): Promise<void>;
}

export async function startMiniApp(): Promise<MiniAppRig> {
  const built = await buildMiniApp();
  if (built.jsBytes === 0) throw new Error("empty bundle");
  const t = await startTestService({ roles: ["web", "worker"], clouds: true });
  await seedDemoCatalog(t.db.prisma);
  const providers = createProviders(t.clouds!.providers, { fetchOptions: { timeoutMs: 10_000, sleep: async () => undefined, random: () => 0.5 } });
  const url = (path: string) => `${t.baseUrl}${path}`;
  const rig: MiniAppRig = {
    t,
    url,
    openSession: (initData) => fetch(url("/app/api/session"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ initData }) }),
    async tokenFor(user) {
      const res = await rig.openSession(launch(user));
      if (res.status !== 201) throw new Error(`session refused: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    rawCall(token, path, init = {}) {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (init.body !== undefined) headers["content-type"] = "application/json";
      return fetch(url(`/app/api${path}`), { method: init.method ?? "GET", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    },
    async call(token, path, init = {}) {
      const res = await rig.rawCall(token, path, init);
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    async fundWallet(userId, amountIdr) {
      const prisma = t.db.prisma;
      const order = await prisma.order.create({ data: { reference: newOrderReference(), userId, kind: "WALLET_TOPUP", status: "PAID", basePriceIdr: amountIdr, totalIdr: amountIdr, snapshot: {}, paidAt: new Date() } });
      const payment = await prisma.payment.create({ data: { orderId: order.id, gateway: "TRIPAY", method: "QRIS", attemptRef: `TP-${order.reference}`, amountIdr, totalIdr: amountIdr, status: "PAID", paidAt: new Date() } });
      await creditTopUp(prisma, { userId, amountIdr, orderId: order.id, paymentId: payment.id, gatewayCode: "TRIPAY" });
    },
    async customerWithVps() {
      const user = await newUser(t.db.prisma);
      const instance = await activeInstance({ prisma: t.db.prisma, providers }, "DIGITALOCEAN", { userId: user.id });
      // Wait until the fake server runs, so the page offers the running server's actions.
      const deadline = Date.now() + 20_000;
      while ((await providers.DIGITALOCEAN!.getServer(instance.providerInstanceId!))?.status !== "running") {
        if (Date.now() > deadline) throw new Error("fake server never ran");
        await new Promise((r) => setTimeout(r, 20));
      }
      // The order's payment, as a settled gateway payment leaves it: the order has an invoice.
      const order = instance.order;
      await t.db.prisma.payment.create({
        data: { orderId: order.id, gateway: "TRIPAY", method: "QRIS", attemptRef: `TP-${order.reference}`, amountIdr: order.totalIdr, totalIdr: order.totalIdr, status: "PAID", paidAt: order.paidAt },
      });
      return { user, instanceId: instance.id, orderId: instance.orderId };
    },
    stop: () => t.stop(),
  };
  return rig;
}

import type { Redis } from "ioredis";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import type { Queues } from "../../jobs/queues.js";
import type { Catalog } from "../../shop/catalog/catalog.js";
import type { CloudProvider } from "../../shop/cloud/provider.js";
import type { PayableCheck } from "../../shop/payments/checkout.js";

/** What the reseller API needs from the process: kept small and explicit. */
export interface ApiDeps {
  prisma: PrismaClient;
  redis: Redis;
  queues: Queues;
  catalog: Catalog;
  providers: Partial<Record<ProviderCode, CloudProvider>>;
  /** Checkout.payable: the checks a wallet payment makes before money moves. */
  payable: (orderId: number, userId: number) => Promise<PayableCheck>;
  settings: {
    queuePrefix: string;
    paymentTtlHours: number;
    shopName: string;
    encryptionKey: Uint8Array;
    /** WEBHOOK_ALLOW_PRIVATE: webhook URLs may be plain http and point at loopback/private hosts (tests). */
    allowPrivateWebhooks: boolean;
  };
}

/** The staff API's answers as the pages read them (dates arrive as ISO strings). */

export interface OrderRow {
  id: number;
  reference: string;
  status: string;
  kind: string;
  totalIdr: number;
  planName: string | null;
  providerCode: string | null;
  createdAt: string;
  customer: string;
}

export interface OrderPage {
  rows: OrderRow[];
  hasOlder: boolean;
  hasNewer: boolean;
  statuses: string[];
  providers: string[];
}

export interface OrderDetail {
  order: {
    id: number;
    reference: string;
    kind: string;
    status: string;
    planName: string | null;
    providerCode: string | null;
    region: string | null;
    durationMonths: number | null;
    basePriceIdr: number;
    promoDiscountIdr: number;
    couponDiscountIdr: number;
    couponCode: string | null;
    totalIdr: number;
    paymentDeadline: string | null;
    paidAt: string | null;
    createdAt: string;
    user: { id: number; telegramId: string; firstName: string | null; username: string | null };
    provisioningTask: { status: string; attempts: number; lastError: string | null } | null;
    createdInstance: { id: number; status: string; ipv4: string | null; label: string } | null;
  };
  notes: Array<{ text: string; by: string; at: string }>;
  offers: { cancel: boolean; refund: boolean; retry: boolean };
  timeline: Array<{ at: string; from: string | null; to: string; actor: string; reason: string | null }>;
  payments: Array<{ id: number; gateway: string; method: string | null; status: string; totalIdr: number; receivedIdr: number | null; createdAt: string; callbacks: unknown[] }>;
}

export interface PendingItem {
  kind: "proof" | "review" | "prov-failed" | "prov-stuck";
  key: string;
  since: string;
  orderId: number;
  reference: string;
  paymentId?: number;
  proofId?: number;
  expectedIdr: number;
  receivedIdr?: number | null;
  deadlineNear?: boolean;
  lastError?: string | null;
  age: { value: number; unit: "m" | "h" | "d" };
}

export interface PriceGrid {
  providers: Array<{ code: string; name: string; active: boolean }>;
  tiers: Array<{ id: number; code: string; name: string }>;
  durations: number[];
  rows: Array<{
    id: number;
    code: string;
    name: string;
    providerCode: string;
    region: string;
    specs: { vcpu: number; memoryMb: number; diskGb: number };
    active: boolean;
    stock: number | null;
    prices: Record<string, { priceIdr: number; active: boolean }>;
    resellerPrices: Record<string, Record<string, number>>;
  }>;
}

export interface Coupon {
  id: number;
  code: string;
  kind: "PERCENT" | "FIXED";
  value: number;
  maxDiscountIdr: number | null;
  usageLimit: number | null;
  usedCount: number;
  validTo: string | null;
  active: boolean;
}

export interface CustomerHit {
  id: number;
  telegramId: number;
  firstName: string;
  username: string | null;
}

export interface CustomerCard extends CustomerHit {
  createdAt: string;
  ban: { at: string; reason: string } | null;
  tier: { id: number; code: string; name: string } | null;
  orders: { total: number; byStatus: Record<string, number>; recent: Array<{ id: number; reference: string; status: string; totalIdr: number; createdAt: string }> };
  instances: { live: number; listed: Array<{ id: number; label: string; status: string; ipv4: string | null; expiresAt: string }> };
  wallet: { balanceIdr: number; hold: { reason: string } | null };
}

export interface LedgerPage {
  items: Array<{ entryId: number; kind: string; amountIdr: number; balanceAfterIdr: number; memo: string | null; orderReference: string | null; createdAt: string }>;
  page: number;
  totalPages: number;
}

export interface StatsAnswer {
  days: number;
  totals: { users: { total: number; newToday: number }; ordersByStatus: Record<string, number>; revenueIdr: { today: number; last30Days: number } };
  data: {
    daily: Array<{ day: string; revenueIdr: number; paidOrders: number }>;
    revenue: { idr: number; orders: number };
    funnel: { viewers: number; orders: number; paid: number; active: number };
    methods: Array<{ gateway: string; orders: number; idr: number }>;
    provisioning: { done: number; failed: number; p50Seconds: number | null; p95Seconds: number | null; daily: Array<{ day: string; done: number; failed: number }> };
    topPlans: Array<{ plan: string; provider: string; orders: number; idr: number }>;
    activeByProvider: Array<{ provider: string; active: number; suspended: number }>;
  };
}

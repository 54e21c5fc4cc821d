/**
 * The order state machine stays the single source of truth in TypeScript
 * (ORDER_TRANSITIONS in shop/orders/state-machine.ts), even though payment settlement runs as
 * the PL/pgSQL function `settle_payment` (db/sql/settle_payment.sql).
 *
 * 1. Every move in SETTLEMENT_ORDER_TRANSITIONS (exported next to the function's TS wrapper)
 *    is allowed by ORDER_TRANSITIONS (`canTransition`).
 * 2. The function as installed in the database (pg_get_functiondef, so a later migration that
 *    replaces it is checked too) moves orders only through `settle_payment_move_order(…)`,
 *    and those calls are exactly SETTLEMENT_ORDER_TRANSITIONS; it never writes orders or
 *    order_status_history itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrderStatus } from "../../db/client.js";
import { ORDER_TRANSITIONS, canTransition } from "../../shop/orders/state-machine.js";
import { SETTLEMENT_ORDER_TRANSITIONS } from "../../shop/payments/settle.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

async function functionSource(name: string): Promise<string> {
  const rows = await db.prisma.$queryRaw<{ def: string }[]>`SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proname = ${name}`;
  expect(rows, `exactly one function ${name}`).toHaveLength(1);
  return rows[0]!.def;
}

const key = (t: { to: OrderStatus; onlyFrom: readonly OrderStatus[] }) => `${[...t.onlyFrom].sort().join(",")} → ${t.to}`;

describe("settle_payment and the order state machine agree", () => {
  it("every order move settlement can make is allowed by ORDER_TRANSITIONS", () => {
    expect(SETTLEMENT_ORDER_TRANSITIONS.length).toBeGreaterThan(0);
    for (const t of SETTLEMENT_ORDER_TRANSITIONS) {
      expect(t.onlyFrom.length).toBeGreaterThan(0);
      for (const from of t.onlyFrom) {
        expect(canTransition(from, t.to), `${from} → ${t.to} (${t.when}) must be in ORDER_TRANSITIONS`).toBe(true);
        expect(ORDER_TRANSITIONS[from]).toContain(t.to);
      }
    }
  });

  it("the SQL function moves orders exactly through SETTLEMENT_ORDER_TRANSITIONS", async () => {
    const settle = await functionSource("settle_payment");
    const calls = [...settle.matchAll(/"?settle_payment_move_order"?\(\s*[^,]+,\s*'([A-Z_]+)',\s*'\{([A-Z_,]+)\}'/g)].map((m) => ({
      to: m[1] as OrderStatus,
      onlyFrom: m[2]!.split(",") as OrderStatus[],
    }));
    // Every call is matched (none written in a form this check would miss)…
    expect(calls.length).toBe((settle.match(/settle_payment_move_order/g) ?? []).length);
    // …and together they are the exported list, no more, no less.
    expect(new Set(calls.map(key))).toEqual(new Set(SETTLEMENT_ORDER_TRANSITIONS.map(key)));
    for (const c of calls) for (const from of c.onlyFrom) expect(canTransition(from, c.to), `${from} → ${c.to}`).toBe(true);

    // Orders and their history are written only by the helper (compare-and-set + history row).
    expect(settle).not.toMatch(/UPDATE\s+"?orders"?\b/i);
    expect(settle).not.toMatch(/INSERT\s+INTO\s+"?order_status_history"?/i);
    const helper = await functionSource("settle_payment_move_order");
    expect(helper).toMatch(/UPDATE\s+"orders"[\s\S]*WHERE o\."id" = p_order_id AND o\."status" = v_from/);
    expect(helper).toMatch(/v_from = ANY \(p_only_from\)/);
    expect(helper).toMatch(/INSERT INTO "order_status_history"/);
  });
});

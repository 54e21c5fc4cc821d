-- Money-path hardening (issue 9 review): a seller's or the system's refund of an order to the
-- wallet names the payment that paid the order, so a later gateway chargeback of that payment
-- takes the refunded balance back (shop/payments/chargeback.ts sums the wallet credits of the
-- payment). Refunds written before this carry only the order: give them the order's paying
-- payment (paid as usual, or applied by a seller after review).
UPDATE "ledger_transactions" t
   SET "payment_id" = (
     SELECT p."id" FROM "payments" p
      WHERE p."order_id" = t."order_id" AND p."status" IN ('PAID', 'REFUNDED') AND p."paid_at" IS NOT NULL
        AND (p."review_why" IS NULL OR p."review_resolution" = 'APPLIED')
      ORDER BY p."id" DESC LIMIT 1)
 WHERE t."idempotency_key" LIKE 'refund:order:%' AND t."payment_id" IS NULL;

-- >>> db/sql/settle_payment.sql
-- settle_payment: payment settlement in ONE database round trip. THE canonical copy.
--
-- Edit this file, never a migration: a migration that changes the function copies this file
-- verbatim between two marker comments (`node db/sql/copy-into-migration.mjs
-- db/migrations/<new migration>` writes or refreshes them), and
-- test/shop/settle-sql.test.ts checks that what the migrations install is what this file
-- installs (pg_get_functiondef of both). Re-runnable: it replaces what an older copy installed.
--
-- `settle_payment(...)` is what shop/payments/settle.ts calls: one statement, so one implicit
-- transaction, that
--   (i)   optionally records the received callback in payment_callbacks (with the outcome),
--   (ii)  finds the payment by attempt_ref or by (gateway, gateway_reference),
--   (iii) marks the event processed (processed_events, ON CONFLICT DO NOTHING): a duplicate
--         changes nothing and returns 'duplicate' with the payment's current status,
--   (iv)  locks the payment row (concurrent outcomes for one attempt queue up here),
--   (v)   applies the outcome (rules in settle.ts `settleAndRecord`),
--   (vi)  records the follow-up job the result needs in job_outbox (the transactional outbox).
--
-- ORDER STATE MACHINE: the TypeScript ORDER_TRANSITIONS (shop/orders/state-machine.ts) is the
-- single source of truth. Every order move made here goes through
-- settle_payment_move_order(order, '<TO>', '{<FROM>,...}', ...) and MUST be allowed there.
-- SETTLEMENT_ORDER_TRANSITIONS in shop/payments/settle.ts lists these moves, and
-- test/shop/settle-transitions.test.ts checks that this function performs exactly those and
-- that ORDER_TRANSITIONS allows each of them. Change all three together.

-- transitionOrder (shop/orders/state-machine.ts) in SQL, given the status the caller read:
-- refuse a move from outside `p_only_from`, compare-and-set on that status, write the history
-- row. Returns 'ok', 'not_allowed' or 'conflict' (the order is gone or moved meanwhile: a lost
-- race, never a double move).
CREATE OR REPLACE FUNCTION "settle_payment_move_order"(
  p_order_id integer,
  p_to "OrderStatus",
  p_only_from "OrderStatus"[],
  p_from "OrderStatus",
  p_actor_type "ActorType",
  p_actor_id text,
  p_reason text,
  p_paid_at timestamptz DEFAULT NULL,
  p_payment_fee_idr integer DEFAULT NULL
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_from "OrderStatus" := p_from;
BEGIN
  IF v_from IS NULL OR NOT (v_from = ANY (p_only_from)) THEN
    RETURN 'not_allowed';
  END IF;
  UPDATE "orders" o
     SET "status" = p_to,
         "paid_at" = COALESCE(p_paid_at, o."paid_at"),
         "payment_fee_idr" = COALESCE(p_payment_fee_idr, o."payment_fee_idr"),
         "updated_at" = now()
   WHERE o."id" = p_order_id AND o."status" = v_from;
  IF NOT FOUND THEN
    RETURN 'conflict';
  END IF;
  INSERT INTO "order_status_history" ("order_id", "from_status", "to_status", "actor_type", "actor_id", "reason")
  VALUES (p_order_id, v_from, p_to, p_actor_type, p_actor_id, p_reason);
  RETURN 'ok';
END
$$;

-- The result columns changed (review_why): CREATE OR REPLACE cannot change them.
DROP FUNCTION IF EXISTS "settle_payment"(
  text, "PaymentGateway", text, text, text, text, numeric, timestamptz, text, text, "ActorType", text, timestamptz,
  "PaymentGateway", boolean, text, text, text, text, text, text, jsonb, text);

CREATE FUNCTION "settle_payment"(
  -- which attempt: p_attempt_ref, or (p_gateway, p_gateway_reference) when it is NULL
  p_attempt_ref text,
  p_gateway "PaymentGateway",
  p_gateway_reference text,
  -- the event (exactly once per (source, key))
  p_source text,
  p_event_key text,
  -- the verified outcome: 'paid' | 'challenge' | 'pending' | 'expired' | 'failed' | 'refunded'
  p_outcome text,
  p_amount_idr numeric,          -- paid, challenge
  p_paid_at timestamptz,         -- paid
  p_outcome_reference text,      -- paid, challenge: the gateway's reference, if it sent one
  p_outcome_method text,         -- paid: the channel, if known
  p_actor_type "ActorType",
  p_actor_id text,
  p_now timestamptz,
  -- the callback to record with what we did (p_cb_gateway NULL = nothing to record)
  p_cb_gateway "PaymentGateway",
  p_cb_verified boolean,
  p_cb_reject_reason text,
  p_cb_event text,
  p_cb_reference text,
  p_cb_merchant_ref text,
  p_cb_status text,
  p_cb_raw_body text,
  p_cb_headers jsonb,
  p_cb_remote_ip text
) RETURNS TABLE (
  "result" text,           -- paid | review | expired | refunded | duplicate | ignored | unknown_payment
  "order_id" integer,
  "payment_id" integer,
  "why" text,
  "order_expired" boolean,
  "payment_status" text,   -- the payment's status after this call (for a duplicate: as it is now)
  "callback_id" integer,
  "review_why" text        -- review, and a duplicate of a payment under review: why a seller decides
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_payment_id integer;
  v_pay record;
  v_order_status "OrderStatus";
  v_review_why text;
  v_received integer;
  v_moved text;
  v_open integer;
  v_coupon_id integer;
  v_followup text;
BEGIN
  IF p_outcome IS NULL OR p_outcome NOT IN ('paid', 'challenge', 'pending', 'expired', 'failed', 'refunded') THEN
    RAISE EXCEPTION 'settle_payment: unknown outcome %', p_outcome USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- (ii) the payment attempt
  IF p_attempt_ref IS NOT NULL THEN
    SELECT p."id" INTO v_payment_id FROM "payments" p WHERE p."attempt_ref" = p_attempt_ref;
  ELSE
    -- A merchant_ref sent with the callback (Tripay: our order reference) must name this very
    -- attempt's order: a signed callback that pairs one transaction with another order's
    -- reference settles nothing (unknown payment).
    SELECT p."id" INTO v_payment_id FROM "payments" p
      WHERE p."gateway" = p_gateway AND p."gateway_reference" = p_gateway_reference
        AND (p_cb_merchant_ref IS NULL OR p."attempt_ref" = p_cb_merchant_ref
             OR EXISTS (SELECT 1 FROM "orders" o WHERE o."id" = p."order_id" AND o."reference" = p_cb_merchant_ref));
  END IF;

  IF v_payment_id IS NULL THEN
    -- Not marked processed: if the payment row shows up later, a retry still settles it.
    "result" := 'unknown_payment';
  ELSE
    -- (iii) exactly once. Concurrent duplicates wait here on the unique index until the first
    -- commits (then do nothing), or take over if it rolled back.
    INSERT INTO "processed_events" ("source", "key") VALUES (p_source, p_event_key)
      ON CONFLICT ("source", "key") DO NOTHING;
    IF NOT FOUND THEN
      SELECT p."order_id", p."status"::text, p."review_why" INTO v_pay FROM "payments" p WHERE p."id" = v_payment_id;
      "result" := 'duplicate';
      "why" := format('event %s already processed', p_event_key);
      "order_id" := v_pay."order_id";
      "payment_id" := v_payment_id;
      "payment_status" := v_pay."status";
      "review_why" := CASE WHEN v_pay."status" = 'REVIEW' THEN v_pay."review_why" END;
    ELSE
      -- (iv) lock the payment row, then read its order. Two statements on purpose: the second
      -- sees what a concurrent settlement we waited for committed. (Joined into the locking
      -- statement, a waiter would re-read the payment but keep the order's status from before
      -- the wait: a PAID racing an EXPIRED would then try to pay an expired order.)
      SELECT p."id", p."order_id", p."gateway", p."method", p."total_idr", p."fee_idr", p."status", p."review_why", p."gateway_refunded_at"
        INTO v_pay FROM "payments" p WHERE p."id" = v_payment_id FOR UPDATE;
      SELECT o."status" INTO v_order_status FROM "orders" o WHERE o."id" = v_pay."order_id";
      "order_id" := v_pay."order_id";
      "payment_id" := v_pay."id";
      "payment_status" := v_pay."status"::text;
      -- What the gateway says arrived, kept as reported (an absurd amount is kept as unknown).
      v_received := CASE WHEN p_amount_idr BETWEEN 0 AND 2147483647 THEN round(p_amount_idr)::integer END;

      -- (v) the outcome rules
      IF p_outcome IN ('paid', 'challenge') THEN
        IF v_pay."status" IN ('PAID', 'REFUNDED') OR (p_outcome = 'challenge' AND v_pay."status" <> 'PENDING') THEN
          "result" := 'ignored';
          "why" := format('payment already %s', v_pay."status");
        ELSIF v_pay."status" = 'REVIEW' AND v_pay."review_why" IS DISTINCT FROM 'challenge' THEN
          -- Already with a seller: a later event about the same money (Midtrans' capture, then
          -- settlement) leaves the decision to them; only the amount seen is updated.
          v_review_why := COALESCE(v_pay."review_why", 'amount_mismatch');
        ELSIF p_amount_idr IS DISTINCT FROM v_pay."total_idr" THEN
          v_review_why := 'amount_mismatch';
        ELSIF v_order_status IN ('EXPIRED', 'CANCELLED') THEN
          v_review_why := 'late_payment';
        ELSIF v_order_status = 'PAYMENT_REVIEW' AND v_pay."status" <> 'REVIEW' THEN
          -- Another payment of this order is with a seller: paying now would decide for them.
          v_review_why := 'order_in_review';
        ELSIF v_order_status NOT IN ('PENDING_PAYMENT', 'PAYMENT_REVIEW') THEN
          v_review_why := 'already_paid';
        ELSIF p_outcome = 'challenge' THEN
          v_review_why := 'challenge';
        ELSE
          -- The right amount in time (or the gateway cleared its own fraud challenge: the
          -- payment is then no longer one under review, so its review_why is cleared — a later
          -- gateway refund of it is the refund of a paid payment, shop/payments/chargeback.ts).
          UPDATE "payments" p
             SET "status" = 'PAID',
                 "review_why" = NULL,
                 "paid_at" = p_paid_at,
                 "received_idr" = v_received,
                 "gateway_reference" = COALESCE(NULLIF(p_outcome_reference, ''), p."gateway_reference"),
                 "method" = COALESCE(NULLIF(p_outcome_method, ''), p."method"),
                 "updated_at" = now()
           WHERE p."id" = v_pay."id";
          v_moved := "settle_payment_move_order"(v_pay."order_id", 'PAID', '{PENDING_PAYMENT,PAYMENT_REVIEW}', v_order_status, p_actor_type, p_actor_id,
            'paid via ' || v_pay."gateway"::text || COALESCE(' ' || NULLIF(v_pay."method", ''), ''),
            p_paid_at, v_pay."fee_idr");
          IF v_moved <> 'ok' THEN
            RAISE EXCEPTION 'order % could not move to PAID: %', v_pay."order_id", v_moved;
          END IF;
          "result" := 'paid';
          "payment_status" := 'PAID';
        END IF;
      ELSIF p_outcome IN ('expired', 'failed') THEN
        -- IS NOT DISTINCT FROM: a review without a reason (NULL) is not a challenge, and must not
        -- make the whole test NULL (which would fall through to ending the payment).
        IF v_pay."status" <> 'PENDING' AND NOT (v_pay."status" = 'REVIEW' AND v_pay."review_why" IS NOT DISTINCT FROM 'challenge') THEN
          "result" := 'ignored';
          "why" := format('payment already %s', v_pay."status");
        ELSE
          UPDATE "payments" p
             SET "status" = CASE WHEN p_outcome = 'expired' THEN 'EXPIRED' ELSE 'FAILED' END::"PaymentStatus",
                 "updated_at" = now()
           WHERE p."id" = v_pay."id";
          "payment_status" := CASE WHEN p_outcome = 'expired' THEN 'EXPIRED' ELSE 'FAILED' END;
          "order_expired" := false;
          "result" := 'expired';
          IF v_pay."status" = 'REVIEW' THEN
            -- The gateway ended its own fraud challenge without capturing the money (deny, cancel,
            -- expire): there is nothing for a seller to decide. Its order ends (CANCELLED, coupon
            -- released) unless another payment of it is still with a seller.
            "why" := 'challenge_ended';
            SELECT count(*) INTO v_open FROM "payments" p WHERE p."order_id" = v_pay."order_id" AND p."status" = 'REVIEW';
            IF v_open = 0 AND v_order_status = 'PAYMENT_REVIEW' THEN
              v_moved := "settle_payment_move_order"(v_pay."order_id", 'CANCELLED', '{PAYMENT_REVIEW}', v_order_status, p_actor_type, p_actor_id,
                format('challenged payment %s at %s', p_outcome, v_pay."gateway"));
              "order_expired" := v_moved = 'ok';
            END IF;
          ELSE
            -- The order only ends if no other attempt (another method) is still open.
            SELECT count(*) INTO v_open FROM "payments" p WHERE p."order_id" = v_pay."order_id" AND p."status" IN ('PENDING', 'REVIEW');
            IF v_open = 0 AND v_order_status = 'PENDING_PAYMENT' THEN
              v_moved := "settle_payment_move_order"(v_pay."order_id", 'EXPIRED', '{PENDING_PAYMENT}', v_order_status, p_actor_type, p_actor_id,
                format('payment %s at %s', p_outcome, v_pay."gateway"));
              "order_expired" := v_moved = 'ok';
            END IF;
          END IF;
        END IF;
        IF "order_expired" THEN
          -- releaseCouponRedemption (shop/orders/coupon-redemptions.ts): only an ACTIVE
          -- redemption, once; the coupon's used_count follows.
          UPDATE "coupon_redemptions" r SET "status" = 'RELEASED', "released_at" = p_now
           WHERE r."order_id" = v_pay."order_id" AND r."status" = 'ACTIVE'
           RETURNING r."coupon_id" INTO v_coupon_id;
          IF v_coupon_id IS NOT NULL THEN
            UPDATE "coupons" c SET "used_count" = c."used_count" - 1, "updated_at" = now() WHERE c."id" = v_coupon_id;
          END IF;
        END IF;
      ELSIF p_outcome = 'refunded' THEN
        -- The gateway gave the money back to the payer (a refund, a chargeback), once per payment.
        -- Even after a seller's own refund: the follow-up (shop/payments/chargeback.ts) decides
        -- what the shop must take back.
        IF v_pay."gateway_refunded_at" IS NOT NULL THEN
          "result" := 'ignored';
          "why" := 'already refunded';
        ELSE
          UPDATE "payments" p SET "status" = 'REFUNDED', "gateway_refunded_at" = p_now, "updated_at" = now() WHERE p."id" = v_pay."id";
          "result" := 'refunded';
          "payment_status" := 'REFUNDED';
        END IF;
      ELSE -- pending
        "result" := 'ignored';
        "why" := 'still pending';
      END IF;

      -- Money that arrived but does not fit (wrong amount, late, twice, challenged): a seller decides.
      IF v_review_why IS NOT NULL THEN
        UPDATE "payments" p
           SET "status" = 'REVIEW',
               "paid_at" = COALESCE(p."paid_at", p_now),
               "received_idr" = v_received,
               "review_why" = v_review_why,
               "gateway_reference" = COALESCE(NULLIF(p_outcome_reference, ''), p."gateway_reference"),
               "method" = CASE WHEN p_outcome = 'paid' THEN COALESCE(NULLIF(p_outcome_method, ''), p."method") ELSE p."method" END,
               "updated_at" = now()
         WHERE p."id" = v_pay."id";
        IF v_order_status IN ('PENDING_PAYMENT', 'EXPIRED', 'CANCELLED') THEN
          PERFORM "settle_payment_move_order"(v_pay."order_id", 'PAYMENT_REVIEW', '{PENDING_PAYMENT,EXPIRED,CANCELLED}', v_order_status, p_actor_type, p_actor_id,
            format('%s: received %s, expected %s', v_review_why, p_amount_idr, v_pay."total_idr"));
        END IF;
        "result" := 'review';
        "why" := v_review_why;
        "review_why" := v_review_why;
        "payment_status" := 'REVIEW';
      END IF;
    END IF;
  END IF;

  -- (vi) the follow-up this result needs, recorded in the same transaction (the transactional
  -- outbox of jobs/outbox.ts: job id and payload exactly as jobs/dispatch-settlement.ts queues
  -- them, checked by test/payments/settle-outbox.test.ts). A crash right after COMMIT cannot lose
  -- it, and the caller only pushes it to Redis (no second round trip to record it).
  -- A review's job id names its reason: a payment whose reason changes (a challenge, then a
  -- capture of the wrong amount) puts a new card in front of the sellers.
  v_followup := CASE WHEN "result" IN ('paid', 'review', 'refunded') THEN "result"
                     WHEN "result" = 'expired' AND ("order_expired" OR "why" = 'challenge_ended') THEN 'expired' END;
  IF v_followup IS NOT NULL THEN
    INSERT INTO "job_outbox" ("queue", "job_id", "payload")
    VALUES ('payment-followups', v_followup || '-' || "payment_id" || CASE WHEN v_followup = 'review' THEN '-' || "review_why" ELSE '' END,
            jsonb_strip_nulls(jsonb_build_object('kind', v_followup, 'paymentId', "payment_id", 'why', CASE WHEN v_followup = 'review' THEN "review_why" END)))
    ON CONFLICT ("queue", "job_id") DO NOTHING;
  END IF;

  -- (i) the callback, with what we did about it (same wording as the route always wrote).
  IF p_cb_gateway IS NOT NULL THEN
    INSERT INTO "payment_callbacks"
      ("gateway", "verified", "reject_reason", "event", "reference", "merchant_ref", "status", "raw_body", "headers", "remote_ip", "outcome")
    VALUES
      (p_cb_gateway, p_cb_verified, p_cb_reject_reason, p_cb_event, p_cb_reference, p_cb_merchant_ref, p_cb_status, p_cb_raw_body,
       COALESCE(p_cb_headers, '{}'::jsonb), p_cb_remote_ip,
       CASE WHEN "result" = 'unknown_payment' THEN 'unknown reference' ELSE "result" || COALESCE(': ' || "why", '') END)
    RETURNING "id" INTO "callback_id";
  END IF;

  RETURN NEXT;
END
$$;
-- <<< db/sql/settle_payment.sql

-- Pending queue (issue 11): staff cards, every staff copy of a card (to edit them all after a
-- decision), and overdue reminders recorded once per item and interval.
CREATE TABLE "staff_cards" (
    "key" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "outcome" TEXT,
    "actor_user_id" INTEGER,
    "actor_name" TEXT,
    "acted_at" TIMESTAMPTZ(3),
    "first_approver_id" INTEGER,
    "first_approver_name" TEXT,
    "first_approved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "staff_cards_pkey" PRIMARY KEY ("key")
);

CREATE TABLE "staff_card_copies" (
    "id" SERIAL NOT NULL,
    "card_key" TEXT NOT NULL,
    "chat_id" BIGINT NOT NULL,
    "message_id" INTEGER NOT NULL,
    "shown_version" INTEGER NOT NULL DEFAULT 0,
    "edit_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "staff_card_copies_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "staff_card_copies_chat_id_message_id_key" ON "staff_card_copies"("chat_id", "message_id");
CREATE INDEX "staff_card_copies_card_key_idx" ON "staff_card_copies"("card_key");
ALTER TABLE "staff_card_copies" ADD CONSTRAINT "staff_card_copies_card_key_fkey" FOREIGN KEY ("card_key") REFERENCES "staff_cards"("key") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "pending_reminders" (
    "item_key" TEXT NOT NULL,
    "slot" INTEGER NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "pending_reminders_pkey" PRIMARY KEY ("item_key","slot")
);

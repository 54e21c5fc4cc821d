# Customers console (/customer) — helper D's keys, prefix cust-.

cust-usage = Find a customer: /customer @username, /customer <Telegram id> or /customer <name>.
cust-none-found = No customer matches "{ $query }".
cust-many-found = Several customers match "{ $query }" — pick one:
cust-not-found = This customer was not found.
cust-not-allowed = You no longer hold the permission for this. Nothing was changed.

cust-card-title = 👤 { $name } · { $username } · ID { $telegramId }
cust-card-since = Since { $date } · role { $role } · language { $language }
cust-card-banned = ⛔ Banned since { $date } by { $by } — reason: { $reason }
cust-card-not-banned = Status: active (not banned)
cust-card-tier = Reseller tier: { $tier }
cust-card-wallet = Wallet: { $balance }
cust-card-wallet-held = ⚠️ Wallet on hold: { $reason }
cust-card-orders = 🧾 Orders: { $total } ({ $counts })
cust-card-vps = 🖥 Live VPS: { $live }
cust-card-vps-until = until { $date }

cust-btn-ledger = 📒 Wallet history
cust-btn-ban = 🚫 Ban
cust-btn-unban = ✅ Unban
cust-btn-tier = 🏷 Reseller tier
cust-btn-adjust = 💰 Adjust wallet
cust-btn-message = ✉️ Send message
cust-btn-back = ⬅️ Back

cust-ledger-title = 📒 Wallet history of { $name } — page { $page }/{ $pages } ({ $total } lines)
cust-ledger-empty = No wallet transactions yet.

cust-tier-pick = Pick a reseller tier for { $name }:
cust-tier-none = No tier
cust-tier-set = ✅ Reseller tier changed.
cust-tier-unchanged = The reseller tier already is that; nothing changed.
cust-tier-refused-not_found = This customer was not found.
cust-tier-refused-tier_not_found = That tier does not exist or is no longer active.

cust-ask-ban = Write the reason for banning { $name } (3–500 characters). Type /cancel to stop.
cust-ask-unban = Write the reason for unbanning { $name } (3–500 characters). Type /cancel to stop.
cust-ask-wallet =
    Adjust the wallet of { $name }: write the amount with + or −, then the reason.
    Example: +50000 compensation for downtime   or   -20000 wrong entry
    Type /cancel to stop.
cust-ask-message = Write the message for { $name } (at most 3000 characters). It is sent in the shop's name after you press the confirm button. Type /cancel to stop.
cust-input-timeout = The time to answer ran out; nothing was changed. Open /customer again if needed.
cust-input-gave-up = Three answers could not be used; this step has stopped and nothing was changed.
cust-reason-invalid = The reason must be 3–500 characters. Try again.
cust-message-invalid = The message must not be empty and at most 3000 characters. Try again.
cust-adjust-format = The format is: +50000 reason  or  -20000 reason. Try again.
cust-adjust-zero = The amount must not be zero. Try again.
cust-adjust-too_large = The amount is too large (at most Rp 50.000.000 per adjustment). Try again.
cust-adjust-reason = The reason must be 3–500 characters. Try again.

cust-banned = ⛔ { $name } is banned. They can no longer shop or use the shop's menus.
cust-unbanned = ✅ { $name } is unbanned.
cust-ban-already = { $name } is already banned; nothing changed.
cust-unban-already = { $name } is not banned; nothing changed.
cust-ban-refused-not_found = This customer was not found.
cust-ban-refused-self = You cannot ban yourself.
cust-ban-refused-owner = The shop's owner cannot be banned from the chat.
cust-ban-refused-staff = Only an owner can ban or unban a staff member.
cust-banned-notice = ⛔ Your account was banned by the shop, so you cannot shop or use the menus. Contact the seller if you think this is a mistake.

cust-adjust-confirm =
    Wallet adjustment for { $name }: { $amount }
    Reason: { $reason }
    Balance now { $before } → afterwards { $after }.
    Press the button to apply it.
cust-adjust-yes = ✅ Apply adjustment
cust-adjust-done = ✅ Wallet adjusted { $amount }: { $before } → { $after }.
cust-adjust-below-zero = Refused: the wallet holds only { $balance } and cannot lose { $amount } (a wallet never goes below zero). Nothing was changed.
cust-adjust-self = You cannot adjust your own wallet.

cust-message-confirm =
    Message for { $name }:

    { $text }

    Press the button to send it.
cust-message-yes = ✉️ Send
cust-message-sent = ✅ The message is queued for delivery.

cust-draft-done = This was already applied; it is not applied twice.
cust-draft-not_found = This draft was not found.
cust-draft-not_yours = Another staff member wrote this draft; only they can apply it.

cust-shop-message =
    ✉️ A message from the shop:

    { $text }

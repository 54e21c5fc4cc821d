# Broadcast progress and report (shop/broadcasts/progress.ts) and the promo footer — the core's keys.
bc-progress-title = 📣 Broadcast #{ $id } · { $kind } · { $status }
bc-status-draft = draft
bc-status-scheduled = scheduled
bc-status-sending = sending
bc-status-paused = paused
bc-status-done = done
bc-status-cancelled = cancelled
bc-kind-promo = promo
bc-kind-service = service announcement
bc-progress-scheduled = 🕒 Goes out at { $time }
bc-progress-counts =
    ✅ Sent: { $sent } of { $total }
    🚫 Blocked the bot / deleted account: { $blocked }
    ⚠️ Failed: { $failed }
    ❔ Uncertain: { $uncertain }
    ⏳ Remaining: { $remaining }
bc-progress-rate = ⚡ { $rate } messages/s · done in about { $eta }
bc-progress-starting = ⚡ Starting…
bc-progress-hold = ⏸ Telegram asked us to slow down: every send waits { $seconds } s, then it carries on by itself.
bc-progress-paused-reason = Paused automatically: { $reason }
bc-progress-done = ⏱ Sending took { $duration }
bc-progress-uncertain-note = ❔ "Uncertain": the worker stopped while that message was being sent. Telegram may have delivered it, so it is not sent again — nobody gets a broadcast twice.
bc-progress-unsending = 🗑 Unsending: { $deleted } deleted, { $left } to go…
bc-progress-unsent = 🗑 Broadcast unsent: { $deleted } messages deleted.
bc-progress-skipped = ⏭ Left out at their turn (opted out of promos, banned, or blocked the bot): { $skipped }
bc-progress-undeletable = ({ $count } messages could not be deleted: the customer deleted the chat, or older than 48 hours.)
bc-btn-pause = ⏸ Pause
bc-btn-resume = ▶️ Resume
bc-btn-cancel = ✖️ Cancel
bc-btn-unsend = 🗑 Unsend (delete messages)
bc-btn-resend-uncertain = 🔁 Send to the { $count } uncertain
bc-promo-footer = — Don't want promos? Type /settings

# --- UI ---
# /broadcast chat screens (bot/features/broadcast/) — helper UI's keys.

cmd-broadcast = Send a broadcast to customers

bc-menu-title = 📣 Broadcasts — start a promo or a service announcement, or open a recent one:
bc-menu-empty = No broadcasts yet.
bc-recent-line = #{ $id } · { $kind } · { $status } · { $date }
bc-btn-new-promo = 📣 New promo
bc-btn-new-service = 🛠 New service announcement
bc-btn-menu = 📋 Broadcasts
bc-btn-back = ⬅️ Back

bc-ask-compose = Send the broadcast's message now: text (bold, italic, links etc. are kept exactly), or a photo with a caption. Buttons, audience and schedule come after. /cancel to stop.
bc-ask-button = Send the link button as one line: Label | https://example.com
bc-ask-days = VPS expiring within how many days? Send a number 1–{ $max }.
bc-ask-schedule = When should it go out (WIB)? E.g. 2026-12-24 09:00, 24/12 09:00, tomorrow 09:00 or today 18:00.
bc-input-timeout = This step has expired; nothing was changed. Open it again from /broadcast.
bc-input-gave-up = Too many answers that could not be used; nothing was changed. Try again from the draft card.
bc-not-allowed = You no longer have permission to send broadcasts. Nothing was changed.

bc-content-empty = The message is empty. Send text, or a photo with a caption.
bc-content-too_long = The message is too long: text up to { $text } characters, a photo caption up to { $caption }.
bc-content-too_many_buttons = At most { $max } buttons per broadcast. Clear the buttons (🧹) to start over.
bc-content-bad_url = The button link is not valid (it must be https://, http:// or tg://).
bc-content-bad_button = A button label is empty or too long (max. { $label } characters).
bc-button-invalid = The format is: Label | https://example.com (label up to { $label } characters, link https://, http:// or tg://).
bc-days-invalid = Send a number of days between 1 and { $max }.
bc-schedule-format = That time could not be read. E.g. 2026-12-24 09:00, 24/12 09:00, tomorrow 09:00.
bc-schedule-past = That time has passed. Pick a time ahead (WIB).

bc-done-compose = ✅ Draft created.
bc-done-button = ✅ Button added.
bc-done-buttons-cleared = ✅ All buttons removed.
bc-done-days = ✅ Audience set.
bc-done-audience = ✅ Audience: { $audience }
bc-done-schedule = ✅ Schedule set.
bc-done-schedule-cleared = ✅ Schedule removed: it goes out as soon as it is confirmed.

bc-draft-title = 📝 Draft broadcast #{ $id } · { $kind }
bc-draft-audience = 👥 Audience: { $audience } — { $count } people
bc-draft-audience-none = 👥 Audience: not chosen yet
bc-draft-buttons = 🔘 Buttons: { $buttons }
bc-draft-buttons-none = 🔘 Buttons: none
bc-draft-schedule = 🕒 Schedule: { $at }
bc-draft-schedule-now = 🕒 Schedule: as soon as it is confirmed
bc-draft-paid-on = ⭐ Paid broadcast: on (≈ { $stars } Stars for { $count } messages)
bc-draft-paid-off = ⭐ Paid broadcast: off
bc-draft-promo-note = ℹ️ Promo: customers who turned promos off in /settings do not get it.
bc-draft-service-note = ℹ️ Service announcement: reaches every chosen customer, including those who turned promos off.
bc-draft-photo = 🖼 With a photo
bc-draft-no-text = (no caption)
bc-button-catalog-target = catalog
bc-catalog-button-label = 🛍 See the catalog

bc-btn-audience = 👥 Audience
bc-btn-preview = 👁 Preview
bc-btn-add-url = 🔗 Add link button
bc-btn-add-catalog = 🛍 Add catalog button
bc-btn-clear-buttons = 🧹 Clear buttons
bc-btn-schedule = 🕒 Schedule
bc-btn-clear-schedule = ✖️ Clear schedule
bc-btn-paid-off = ⭐ Paid: off
bc-btn-paid-on = ⭐ Paid: on
bc-btn-paid-confirm = ⭐ Turn paid broadcast on
bc-btn-send = 🚀 Send
bc-btn-discard = 🗑 Discard draft
bc-btn-confirm = ✅ Yes, send
bc-btn-cancel-confirm = ⛔ Yes, cancel the broadcast
bc-btn-unsend-confirm = 🗑 Yes, unsend

bc-aud-title = 👥 Broadcast #{ $id } — send to whom?
bc-aud-provider-title = 👥 Broadcast #{ $id } — customers of which provider?
bc-aud-none = not chosen yet
bc-aud-ALL = All customers
bc-aud-ACTIVE_VPS = Customers with an active VPS
bc-aud-EXPIRING = VPS expiring within { $days } days
bc-aud-NO_ORDER = Customers who never bought
bc-aud-RESELLERS = Resellers
bc-aud-PROVIDER = { $provider } customers
bc-aud-btn-expiring = VPS expiring soon (N days)…
bc-aud-btn-provider = One provider's customers…

bc-preview-sent = Preview sent to this chat.
bc-preview-failed = The preview could not be sent (Telegram refused the message). Check its links and photo.
bc-paid-estimate = ⭐ Paid broadcast #{ $id }: Telegram delivers faster (up to 1000 messages/s) for 0.1 Star per message, paid from the bot's Star balance. Estimate for the { $count } recipients now: ≈ { $stars } Stars.
bc-confirm-now = Send to { $count } recipients now?
bc-confirm-scheduled = Schedule for { $at } to { $count } recipients (counted again when it goes out)?
bc-confirm-details = Broadcast #{ $id } · { $kind } · { $audience }
bc-confirm-paid = ⭐ Paid: ≈ { $stars } Stars.
bc-placeholder = ⏳ Broadcast #{ $id } is starting…
bc-started = 🚀 Broadcast #{ $id } is going out to { $count } recipients. Its progress is in the next message.
bc-started-scheduled = 🕒 Broadcast #{ $id } is scheduled ({ $count } recipients now). Its progress is in the next message.
bc-already-started = This broadcast has already started — it is not sent twice.
bc-not-now = Not possible now: the broadcast is { $status }.
bc-cancelled = ⛔ Broadcast cancelled. Whoever has not received it will not.
bc-ask-cancel-confirm = Cancel broadcast #{ $id }? What was sent ({ $sent }) stays; the rest is not sent.
bc-ask-unsend-confirm = Unsend broadcast #{ $id }? The { $sent } delivered messages will be deleted from customers' chats (only within 48 hours).
bc-unsending = 🗑 Deleting { $count } delivered messages…

bc-refused-not_found = This broadcast was not found.
bc-refused-not_draft = This broadcast is no longer a draft; it cannot be changed.
bc-refused-owner_only = Only the shop owner can set up a paid broadcast.
bc-refused-invalid = The broadcast's content or choice is not valid.
bc-refused-no_audience = Choose the audience first (👥 Audience).
bc-refused-no_recipients = Nobody is in this audience.
bc-refused-schedule_past = Its scheduled time has passed; set a new one or clear it.
bc-unsend-refused-not_found = This broadcast was not found.
bc-unsend-refused-too_old = Past 48 hours: Telegram no longer lets the bot delete these messages.
bc-unsend-refused-nothing_sent = Nothing was delivered yet to unsend.
bc-unsend-refused-already = This broadcast was already unsent.
bc-unsend-refused-running = The broadcast is still running: pause or cancel it first.
bc-btn-resend-confirm = 🔁 Yes, send to them
bc-ask-resend-confirm = Send broadcast #{ $id } to the { $uncertain } "uncertain" recipients? Their message was on its way when a worker stopped: some may already have it and will get it twice.
bc-resending = 🔁 Sending to { $count } uncertain recipients…
bc-resend-refused-not_found = This broadcast was not found.
bc-resend-refused-none = Nothing to resend: only a finished broadcast with uncertain recipients can.
bc-resend-refused-running = The broadcast has not finished yet: send to the uncertain ones once it is done.
bc-resend-refused-unsent = This broadcast was unsent.
bc-confirm-refused-owner_only = This is a paid broadcast (it spends the bot's Stars): only the shop owner can send it. Ask the owner to send it, or to turn paid off.
bc-resume-refused-unsent = This broadcast was unsent (withdrawn): it cannot be resumed.
bc-ask-unsend-paused = It is paused: unsending also cancels it, so the rest is never sent.
bc-unsend-cancelled = ⛔ The paused broadcast is cancelled too: the rest will not be sent.

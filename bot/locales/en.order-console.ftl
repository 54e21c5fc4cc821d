# Orders console (/order): staff only. Keys start with ordc-.
ordc-menu =
    🔎 <b>Find orders</b>
    Type <code>/order ORD-…</code> for one order, or filter:
    <code>/order @budi</code> · <code>/order 123456789</code> (Telegram id) · <code>/order Budi</code> (name)
    <code>/order status:failed provider:do from:2026-12-01 to:2026-12-31</code>
    CSV export: <code>/order csv from:2026-12-01 to:2026-12-31</code>
    Or pick a filter below.
ordc-menu-today = Today
ordc-menu-days = { $days } days
ordc-menu-csv = 📄 CSV { $days } days
ordc-bad-filter = Unknown filter: { $bad }. Type /order for examples.
ordc-not-found = Order { $reference } not found.
ordc-no-results = No orders match ({ $filter }).
ordc-results = 📋 Orders ({ $filter }) — page { $page }
ordc-filter-all = all
ordc-older = Older ▶
ordc-newer = ◀ Newer
ordc-search-expired = This search has expired. Type /order again.
ordc-card-title = 🧾 <b>{ $reference }</b> · { $status }
ordc-card-customer = 👤 { $customer } · id { $telegramId }
ordc-card-plan = 📦 { $plan } · { $provider } { $region } · { $months } mo
ordc-card-topup = 💰 Wallet top-up
ordc-card-renewal = 🔁 Renewal of VPS #{ $instance }
ordc-card-amounts = 💵 Price { $base } − promo { $promo } − coupon { $coupon }{ $couponCode } = <b>{ $total }</b> + fee { $fee }
ordc-card-created = 🕒 Created { $created }
ordc-card-deadline = ⏳ Pay by { $deadline }
ordc-card-paid = ✅ Paid { $paid }
ordc-card-payment = 💳 { $gateway } { $method } · { $status } · { $amount }
ordc-card-payment-received = (received { $received }, why { $why })
ordc-card-provisioning = 🛠 Provisioning: { $status }, attempts { $attempts }
ordc-card-error = ⚠️ Last error: { $error }
ordc-card-instance = 🖥 VPS #{ $id } { $label } · { $status } · { $ip }
ordc-card-timeline = <b>Timeline</b>
ordc-card-notes = <b>Notes</b>
ordc-btn-history = 📜 History
ordc-btn-payments = 💳 Payments
ordc-btn-provisioning = 🛠 Provisioning
ordc-btn-instance = 🖥 VPS
ordc-btn-audit = 🗂 Audit
ordc-btn-messages = ✉️ Messages
ordc-btn-mark-paid = ✅ Mark paid
ordc-btn-cancel = ⛔ Cancel
ordc-btn-refund = ↩️ Refund to wallet
ordc-btn-retry = 🔄 Retry provisioning
ordc-btn-resend-invoice = 🧾 Resend invoice
ordc-btn-resend-credentials = 🔑 Resend login
ordc-btn-note = 📝 Note
ordc-btn-back = ⬅️ Order card
ordc-history-title = 📜 <b>Status history of { $reference }</b>
ordc-payments-title = 💳 <b>Payments of { $reference }</b>
ordc-payments-none = No payment attempts yet.
ordc-callback-line = ↳ callback { $at } · { $status } · { $amount } · signature { $signature } · { $outcome }
ordc-signature-ok = valid
ordc-signature-bad = INVALID
ordc-provisioning-title = 🛠 <b>Provisioning of { $reference }</b>
ordc-provisioning-none = This order was never provisioned.
ordc-provisioning-retry = ↳ retried by { $by } { $at } (from { $from })
ordc-instance-title = 🖥 <b>VPS of order { $reference }</b>
ordc-instance-none = This order has no VPS.
ordc-audit-title = 🗂 <b>Audit of { $reference }</b>
ordc-audit-none = No audit entries yet.
ordc-messages-title = ✉️ <b>Messages to the customer — { $reference }</b>
ordc-messages-none = No messages recorded for this order yet.
ordc-ask-paid = Mark the payment of { $reference } ({ $amount }) as paid. Write the reason (e.g. "checked in the Tripay dashboard, callback never came"):
ordc-ask-cancel = Cancel order { $reference }. Write the reason (the customer will read it):
ordc-ask-note = Write a note for order { $reference }:
ordc-reason-timeout = Timed out; nothing was changed on { $reference }.
ordc-reason-short = The reason is too short; nothing was changed.
ordc-paid-done = ✅ Payment of { $reference } marked paid by { $staff }. Follow-ups (invoice, provisioning) are running.
ordc-paid-review = The money of { $reference } went to review ({ $why }): decide in the review queue.
ordc-cancel-done = ⛔ Order { $reference } cancelled by { $staff }.
ordc-note-done = 📝 Note saved on { $reference }.
ordc-refund-confirm = Refund order { $reference } to the customer's wallet? Tap once more to confirm.
ordc-refund-yes = ↩️ Yes, refund to wallet
ordc-refund-done = ↩️ { $amount } refunded to the wallet for { $reference }.
ordc-resend-done = Sent again to the customer ({ $reference }).
ordc-resend-recent = Already resent by { $by } at { $at }; wait a moment before sending again.
ordc-failed = Not possible: { $why }
ordc-csv-bad = Give a date range: /order csv from:2026-12-01 to:2026-12-31
ordc-csv-caption = 📄 { $rows } orders, { $from } – { $to }{ $cut }
ordc-csv-cut = (cut: more than { $max } orders, narrow the range)
ordc-notify-cancelled = Order { $reference } was cancelled by the seller: { $reason }. If you already paid, contact us.
ordc-notify-invoice-copy = 🧾 A copy of the invoice for order { $reference }.
ordc-messages-invoice = 🧾 Invoice delivered { $at } (message #{ $id })
ordc-messages-credentials = 🔑 VPS login delivered { $at } (message #{ $id })

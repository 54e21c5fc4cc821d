# English — switchable with /language.

start-greeting =
    Hi, { $name }! 👋
    Welcome to { $shop }.
    Buy a DigitalOcean, Vultr or Linode VPS priced in rupiah, pay by QRIS, virtual account, e-wallet or bank transfer, then manage the server right here in the chat.
main-menu-title = Main menu — pick one:
menu-catalog = 🛒 VPS catalog
menu-orders = 🧾 My orders
menu-vps = 🖥 My VPS
menu-wallet = 💰 Balance
menu-language = 🌐 Bahasa / Language
menu-settings = ⚙️ Settings
menu-help = ❓ Help

help-text =
    Available commands:
    /start — main menu
    /catalog — VPS catalog and ordering
    /orders — my orders
    /wallet — balance and top-up
    /vps — manage your VPS
    /language — change language
    /help — this help
    /cancel — cancel the current step

language-prompt = Choose your language:
language-changed = Language switched to English. 🇬🇧
language-pick-hint = Please tap one of the language buttons above, or type /cancel.

cancelled = Cancelled. Type /start to go back to the main menu.
nothing-to-cancel = There is nothing to cancel.
unknown-input = Sorry, I didn't get that. Type /start to open the menu.
stale-button = This button has expired. Here is the latest view.
error-generic = Sorry, something went wrong on our side. Please try again in a moment. (ref: { $ref })
rate-limited = Easy there 🙂 You are sending too many messages. Please try again in a few seconds.
blocked-user = Your account is restricted. Contact the seller if you think this is a mistake.

cmd-start = Main menu
cmd-help = Help
cmd-language = Change language
cmd-cancel = Cancel the current step
cmd-catalog = VPS catalog
cmd-orders = My orders
cmd-wallet = Balance and top-up
cmd-stats = Shop statistics
cmd-health = Service health
cmd-doctor = Prelaunch check
cmd-backup = Take a backup now
cmd-restore = Restore from a backup
cmd-maintenance = Maintenance mode on/off

stats-text =
    📊 Shop statistics
    Users: { $users } (new today: { $newUsers })
    Revenue today: { $revenueToday }
    Revenue last 30 days: { $revenue30 }
    Orders by status:
    { $orders }
stats-no-orders = (no orders yet)
health-text =
    🩺 Service health
    PostgreSQL: { $postgres }
    Redis: { $redis }
    Queues (waiting / failed):
    { $queues }
health-ok = OK ({ $ms } ms)
health-ok-at = OK ({ $ms } ms, { $node })
health-fail = FAILING — { $error }

# --- Catalog and ordering ---
menu-back = ⬅️ Back
menu-cancel-flow = ✖️ Cancel
menu-main = 🏠 Main menu
catalog-title = <b>🛒 VPS catalog</b>
    Choose a cloud provider:
catalog-provider-button = { $name } ({ $plans } plans)
catalog-empty = Sorry, there are no VPS plans for sale right now. Please check back later.
catalog-plans-title = <b>{ $provider }</b> — choose a plan:
catalog-page = Page { $page } of { $pages }
catalog-prev = ◀️ Previous
catalog-next = Next ▶️
plan-button = { $name } · from { $price }
plan-button-sold-out = { $name } · sold out
plan-specs = { $vcpu } vCPU · { $ram } RAM · { $disk } GB SSD · { $bandwidth } transfer · in { $region }
plan-detail-title = <b>{ $name }</b> ({ $provider })
plan-pick-duration = Choose the rental period:
plan-sold-out = ⛔ This plan is sold out right now. Please choose another one.
duration = { $months ->
    [one] 1 month
   *[other] { $months } months
}
duration-button = { $months ->
    [one] 1 month
   *[other] { $months } months
} · { $price }
price-was = <s>{ $old }</s> { $new }
promo-note = 🔥 { $label } — save { $discount }, until { $until }
promo-until = 🔥 promo until { $until }
reseller-note = 💼 Reseller price
image-pick = Choose the operating system:
coupon-ask = 🎟 Have a coupon code? Type it now, or tap <b>Skip</b>.
coupon-skip = Skip
coupon-change = 🎟 Change coupon
coupon-remove = Remove coupon
coupon-applied = ✅ Coupon { $code } applied: you save { $discount }.
coupon-rejected-unknown = ❌ Coupon code { $code } is not known.
coupon-rejected-expired = ❌ Coupon { $code } has expired.
coupon-rejected-not_yet_valid = ❌ Coupon { $code } is not valid yet.
coupon-rejected-used_up = ❌ Coupon { $code } has been used up.
coupon-rejected-already_used = ❌ You have already used coupon { $code }.
coupon-rejected-not_for_plan = ❌ Coupon { $code } is not valid for this plan or period.
coupon-rejected-min_not_met = ❌ Coupon { $code } needs an order of at least { $min }.
coupon-rejected-first_order_only = ❌ Coupon { $code } is for first orders only.
coupon-retry = Type another code, or tap <b>Skip</b>.
summary-title = <b>🧾 Order summary</b>
summary-plan = Plan: { $plan } ({ $provider }, { $region })
summary-image = Operating system: { $image }
summary-duration = Period: { $duration }
summary-base = Price: { $amount }
summary-promo = Promo discount: −{ $amount }
summary-coupon = Coupon { $code } discount: −{ $amount }
summary-total = <b>Total: { $amount }</b>
summary-fee-note = Any payment method fee is shown when you choose how to pay.
summary-confirm = ✅ Confirm order
summary-price-changed = ⚠️ The price changed since you saw it. Here is the latest summary — please confirm again.
order-created =
    ✅ Order <b>{ $reference }</b> created.
    Total: <b>{ $total }</b>
    Please pay before { $deadline }.
order-rate-limited = ⏳ Too many orders in one minute. Please wait a moment and try again.
order-unavailable = ⛔ Sorry, that choice is no longer available. Here is the latest catalog.
flow-use-buttons = Please use the buttons on the message above, or type /cancel.
flow-timeout = The catalog session ended after a period of inactivity. Type /start to begin again.
catalog-stale = This view has expired. Here is the latest catalog.

# --- Orders ---
orders-title = <b>🧾 My orders</b>
orders-empty = You have no orders yet. Open 🛒 VPS catalog to order.
orders-line = { $reference } · { $plan } · { $total } · { $status }
order-view-button = { $reference } · { $status }
order-detail-title = <b>Order { $reference }</b>
order-detail-status = Status: <b>{ $status }</b>
order-detail-created = Created: { $date }
order-detail-history = History:
order-not-found = Order not found.
orders-back = ⬅️ Order list
notify-order-created =
    🧾 Order { $reference } is awaiting payment.
    Plan: { $plan } · { $duration }
    Total: { $total }
    Pay before: { $deadline }
notify-order-expired = ⌛ Order { $reference } expired because it was not paid by { $deadline }. Any coupon you used has been released. Feel free to order again any time.
order-status-PENDING_PAYMENT = Awaiting payment
order-status-PAYMENT_REVIEW = Being reviewed by the seller
order-status-PAID = Paid
order-status-PROVISIONING = VPS being prepared
order-status-ACTIVE = Active
order-status-PROVISIONING_FAILED = Setup failed
order-status-EXPIRED = Expired
order-status-CANCELLED = Cancelled
order-status-REFUNDED = Refunded
order-next-PENDING_PAYMENT = Next: pay before { $deadline }, or the order expires automatically.
order-next-PAYMENT_REVIEW = Next: the seller is checking your payment. We will tell you here.
order-next-PAID = Next: your VPS is being set up automatically.
order-next-PROVISIONING = Next: hold on, your login details will arrive in this chat.
order-next-ACTIVE = Your VPS is active. Manage it from 🖥 My VPS.
order-next-PROVISIONING_FAILED = The seller has been told and will retry or refund to your balance.
order-next-EXPIRED = This order was not paid in time. Please place a new order.
order-next-CANCELLED = This order was cancelled.
order-next-REFUNDED = The money has been refunded.

# --- Payments ---
pay-now = 💳 Pay now
pay-title = <b>💳 Choose how to pay</b> — order { $reference }
pay-order-total = Order total: { $total }
pay-option = { $name } · fee { $fee } · total { $total }
pay-option-free = { $name } · total { $total }
pay-option-manual = 🏦 Bank transfer (checked by the seller)
pay-option-midtrans = 💳 Midtrans (card, e-wallet, VA)
pay-none = Sorry, no payment method is active yet. Please contact the seller.
pay-not-payable = This order can no longer be paid (status: { $status }).
pay-gateway-error = ⚠️ { $gateway } is having trouble; please try again shortly or choose another method.
pay-attempts-order-limit = ⏳ Too many payment attempts for this order in the last hour. Use the payment already opened, or try again later.
pay-attempts-user-limit = ⏳ Too many payment attempts from your account in the last hour. Finish a payment already opened, or try again later.
pay-manual-unavailable = ⚠️ Bank transfer is fully booked for this amount right now. Try again later or choose another method.
pay-below-min = (minimum { $min })
pay-tripay-va =
    <b>{ $channel }</b>
    Payment number: <code>{ $code }</code>
    Amount: <b>{ $total }</b> (incl. fee { $fee })
    Pay before: { $expires }
    The status updates automatically once the payment arrives.
pay-tripay-qris =
    <b>QRIS</b> — scan this QR code with any bank or e-wallet app.
    Amount: <b>{ $total }</b> (incl. fee { $fee })
    Pay before: { $expires }
pay-tripay-redirect =
    <b>{ $channel }</b>
    Amount: <b>{ $total }</b> (incl. fee { $fee })
    Pay before: { $expires }
    Tap the button below to pay.
pay-open-checkout = 🔗 Open the payment page
pay-midtrans =
    <b>Midtrans</b>
    Amount: <b>{ $total }</b>
    Tap the button below to choose a card, e-wallet or virtual account.
pay-wallet-confirm = Pay <b>{ $total }</b> from your balance? Balance now { $balance }, left afterwards { $after }.
pay-wallet-yes = ✅ Yes, pay from balance
pay-wallet-insufficient = ❌ Not enough balance: you have { $balance }, { $needed } is needed. Top up first under 💰 Balance.
pay-wallet-held = ⏸ Your balance is on hold while the shop owner checks a refund made by the payment gateway. Choose another way to pay, or contact the seller.
pay-wallet-done = ✅ Order { $reference } paid from your balance. Balance left { $balance }.
pay-manual =
    <b>🏦 Bank transfer</b>
    Transfer <b>exactly { $amount }</b> (unique code { $code } included) to one of these accounts:
    { $accounts }
    Deadline: { $deadline }
    Then <b>send a photo/screenshot of the transfer</b> to this chat. The seller will check and confirm it.
proof-received = 🧾 Transfer proof for { $reference } received; the seller is checking it. We will tell you here.
proof-no-open-transfer = No order is waiting for a transfer proof. Choose 🏦 Bank transfer when paying an order first.
proof-not-your-order = ❌ Order { $reference } is not yours, so the proof cannot be accepted.
proof-not-image = ❌ This file is not an image. Please send a photo or screenshot of the transfer (JPG/PNG).
proof-too-large = ❌ The image is too large (max { $max } MB). Please send a smaller screenshot.
proof-already-pending = 🧾 We already have the transfer proof for { $reference } and the seller is checking it. Please wait for the decision; if it is refused, you can send a new one.
proof-rate-limited = ⏳ Too many images in a short time. Wait { $minutes } minutes, then send it again.
proof-too-many-pixels = ❌ The image resolution is too high (max { $megapixels } megapixels). Send it as a normal photo (not as a file), or send a screenshot.
proof-busy = ⏳ Many transfer proofs are being processed right now. Please send it again in a minute.
notify-payment-received =
    ✅ Payment for order { $reference } received: { $total }.
    { $next }
notify-next-provision = Your VPS is being set up automatically; login details will arrive in this chat.
notify-next-renewal = Your VPS has been extended.
notify-payment-review = 🔎 The payment for order { $reference } is being checked by the seller ({ $why }). We will tell you here.
notify-payment-review-amount = 🔎 The payment for order { $reference } is being checked by the seller: { $received } received, { $expected } expected. We will tell you here.
review-why-amount_mismatch = amount does not match
review-why-late_payment = paid after the deadline
review-why-already_paid = order was already paid
review-why-challenge = held by fraud detection
review-why-order_in_review = another payment for this order is being checked
notify-payment-expired = ⌛ The payment for order { $reference } expired and the order was cancelled. Any coupon you used has been released.
notify-proof-rejected = ❌ The seller rejected the transfer proof for order { $reference }: { $reason }. Send the right proof to this chat, or choose another payment method.
notify-review-refunded-wallet = 💸 Your payment of { $amount } for order { $reference } was refunded to your balance: { $reason }. Your balance is now { $balance }.
notify-review-refunded-outside = 💸 Your payment of { $amount } for order { $reference } was given back by the seller outside the shop: { $reason }.
notify-payment-refunded-hold = ⏸ The payment of { $amount } for order { $reference } was refunded by the payment gateway. Your balance and that order's VPS are on hold until the shop owner has checked it.
notify-topup-done = ✅ Top-up of { $amount } done. Your balance is now { $balance }.
invoice-caption = Invoice for order { $reference }

# --- Wallet ---
wallet-title =
    <b>💰 Balance</b>
    Your balance: <b>{ $balance }</b>
wallet-history = Recent activity:
wallet-empty-history = (no transactions yet)
wallet-line = { $date } · { $amount } · { $memo }
wallet-topup = Top up:
wallet-topup-custom = ✏️ Other amount
wallet-topup-ask = Type the top-up amount in rupiah (min { $min }, max { $max }), e.g. 150000.
wallet-topup-invalid = ❌ The amount must be a number between { $min } and { $max }. Try again, or type /cancel.
wallet-topup-created = Top-up { $amount } — order { $reference }. Choose how to pay:
wallet-topup-too-many = ⏳ You already have { $max } unpaid top-ups. Pay one of them from /orders, or wait until they expire.
ledger-TOPUP = top-up
ledger-ORDER_PAYMENT = order payment
ledger-REFUND = refund
ledger-ADJUSTMENT = adjustment

# --- Seller review ---
review-new-proof =
    🧾 New transfer proof
    Order: { $reference } ({ $plan })
    Customer: { $customer }
    Amount that must arrive: { $amount }
review-needed =
    🔎 Payment needs review ({ $why })
    Order: { $reference }
    Received: { $received } · expected { $expected }
    Gateway: { $gateway }
review-view-proof = 👁 View proof
review-approve = ✅ Approve
review-reject = ❌ Reject
review-approve-confirm = Approve the payment of { $amount } for { $reference }? Make sure the money is in the account.
review-approve-yes = ✅ Yes, the money arrived
review-approved = ✅ Approved by { $seller }.
review-reject-ask = Type the reason for rejecting { $reference } (sent to the customer), or /cancel.
review-rejected = ❌ Rejected by { $seller }: { $reason }
review-not-possible = Cannot be done: { $why }
review-only-staff = Only sellers can do this.
review-refund-wallet = 💸 Refund to balance
review-refund-outside = 🏦 Already refunded outside the shop
review-refund-choose = Money under review is not just refused: choose how it goes back.
review-refund-ask-wallet = Type the reason for refunding { $amount } for { $reference } to the customer's balance (sent to the customer), or /cancel.
review-refund-ask-outside = Type how { $amount } for { $reference } was given back (e.g. transferred back to the customer's bank account; sent to the customer), or /cancel.
review-returned-wallet = 💸 { $amount } refunded to the customer's balance by { $seller }: { $reason }
review-returned-outside = 🏦 { $amount } marked as given back by { $seller }: { $reason }
review-reason-timeout = ⌛ Time for the reason for { $reference } ran out; nothing was changed. Tap the button again if needed.
hold-owner-notice =
    🚨 { $gateway } gave the money of order { $reference } ({ $amount }) back to the payer (refund/chargeback).
    Balance bought with it was taken back: { $reversed }. The customer's balance is on hold; related VPS: { $vps } (suspended).
    Release the hold, or keep it?
hold-release = ✅ Release
hold-keep = ⏸ Keep the hold
hold-released = ✅ Hold released by { $owner }.
hold-kept = ⏸ Hold kept by { $owner }.
hold-only-owner = Only the shop owner can decide this.

# --- Provisioning ---
provision-progress = ⏳ Preparing your VPS… { $seconds } s
vps-ready =
    ✅ <b>Your VPS is active!</b>
    Plan: { $plan } ({ $specs })
    OS: { $os } · location { $region }
    IP: <code>{ $ip }</code>
    Username: <code>{ $username }</code>
    Password: <tg-spoiler>{ $password }</tg-spoiler>
    Active until: { $expires }
    ⚠️ This message deletes itself in { $ttl } minutes. Save your password and change it after logging in.
provision-failed = ⚠️ The VPS for order { $reference } could not be created. The seller has been told and will retry or refund to your balance. You do not need to do anything.
provision-failed-staff =
    🚨 Provisioning failed: { $reference }
    Cause: { $reason }
    Retry (/retry { $reference }) or refund to the customer's balance (/refund { $reference }).
staff-retry = 🔁 Retry
staff-refund = 💸 Refund to balance
staff-retry-started = 🔁 Provisioning of { $reference } started again (attempt { $attempt }).
staff-refund-done = 💸 { $amount } refunded to the customer's balance for { $reference }.
staff-action-failed = Not possible: { $why }
staff-usage-retry = Usage: /retry ORD-20261121-XXXXX
staff-usage-refund = Usage: /refund ORD-20261121-XXXXX
notify-refunded = 💸 { $amount } for order { $reference } has been refunded to your balance. See 💰 Balance.
cmd-retry = Retry a failed provisioning
cmd-refund = Refund a failed order to balance
cmd-vps = My VPS

# --- VPS self-service ---
vps-list-title = <b>🖥 My VPS</b>
vps-list-empty = You have no VPS yet. Open 🛒 VPS catalog to order one.
vps-line = { $label } · { $ip } · { $status } · until { $expires }
vps-status-running = 🟢 running
vps-status-off = 🔴 off
vps-status-provisioning = 🟡 being prepared
vps-status-rebooting = 🟡 rebooting
vps-status-deleting = ⚫ being deleted
vps-status-unknown = ⚪ unknown
vps-status-suspended = ⏸ suspended (expired)
vps-status-deleted = ⚫ deleted
vps-detail =
    <b>{ $label }</b>
    Status: { $status }
    IP: <code>{ $ip }</code>
    Plan: { $plan } ({ $specs })
    OS: { $os }
    Location: { $region } · { $provider }
    Created: { $created }
    Active until: <b>{ $expires }</b>
vps-live-unavailable = (live status unavailable right now)
vps-action-reboot = 🔄 Reboot
vps-action-power_off = ⏻ Power off
vps-action-power_on = ▶️ Power on
vps-action-shutdown = ⏹ Shut down
vps-action-reset_password = 🔑 Reset password
vps-action-reinstall = ♻️ Reinstall
vps-action-console = 🖥 Console
vps-renew = 🔁 Renew
vps-refresh = 🔃 Refresh
vps-back = ⬅️ VPS list
vps-confirm =
    Really { $action } { $label }?
    { $warning }
vps-confirm-yes = ✅ Yes, go ahead
vps-warn-reboot = The server restarts and connections drop briefly.
vps-warn-power_off = The server is powered off hard; unsaved data may be lost.
vps-warn-shutdown = The server shuts down cleanly.
vps-warn-reset_password = The root password changes; the old one stops working.
vps-warn-reinstall = ALL DATA on the server will be ERASED and the OS reinstalled.
vps-warn-power_on = The server is powered on.
vps-reset-needs-off = On this provider the VPS must be off to reset its password: power it off (⏻ Power off), then try again.
vps-action-queued = ⏳ { $action } for { $label } is in progress…
vps-action-busy = ⏳ Another action is still running for this VPS. Please wait until it finishes.
vps-action-done = ✅ { $action } for { $label } done.
vps-action-failed = ❌ { $action } for { $label } failed: { $reason }
vps-not-yours = VPS not found.
vps-not-active = This action is not available because the VPS is { $status }.
vps-console-link = 🖥 Console for { $label }: the link is short-lived, do not share it.
vps-new-password =
    🔑 New password for { $label } (<code>{ $ip }</code>):
    <tg-spoiler>{ $password }</tg-spoiler>
    ⚠️ This message deletes itself in { $ttl } minutes.

# --- Lifecycle ---
renew-reminder = ⏰ VPS { $label } ({ $ip }) expires on { $expires } (in { $days } days). Renew now to keep it running.
renew-reminder-auto = ⏰ VPS { $label } expires on { $expires }. Auto-renewal from your balance will be tried 1 day before; make sure you have { $price }.
renew-choose = Renew <b>{ $label }</b> — choose the period (counted from the current expiry, { $expires }):
renew-created = Renewal of { $label } for { $duration } — order { $reference }, total { $total }.
renew-unavailable = This VPS plan is no longer sold for renewal. Please contact the seller.
renew-not-renewable = This VPS has ended and was deleted (or is being deleted), so it can no longer be renewed. Please order a new VPS from /catalog.
renew-refunded-deleted = ↩️ Payment for renewal { $reference } received, but { $label } had already been deleted before the renewal could apply. { $amount } went back to your balance (/wallet).
renew-done = ✅ { $label } renewed until { $expires }.
renew-auto-done = ✅ { $label } renewed automatically from your balance until { $expires }.
expiry-grace = ⚠️ { $label } expired on { $expires }. It will be powered off on { $suspendAt } unless renewed.
expiry-suspended = ⏸ { $label } was powered off because it expired. Data is kept until { $deleteAt }; renew to power it on again.
expiry-deleted = 🗑 { $label } was deleted because it was not renewed by { $deleteAt }.
expiry-resumed = ▶️ { $label } is powered on again after renewal.
vps-auto-renew-button-on = 🔁 Auto-renew: ON
vps-auto-renew-button-off = 🔁 Auto-renew: OFF
vps-auto-renew-on = Auto-renewal from your balance is on (1 month, a day before expiry, if the balance covers it).
vps-auto-renew-off = Auto-renewal is off.

# --- Maintenance mode ---
maintenance-customer =
    🛠 The shop is under maintenance.

    { $message }
maintenance-default-message = We are making some improvements. Please try again shortly.
maintenance-status-on =
    🛠 Maintenance mode: ON since { $since }.
    Message for customers: { $message }
maintenance-status-off = 🟢 Maintenance mode: OFF. Customers are served as usual.
maintenance-paused-title = Selling paused for:
maintenance-paused-line = • { $scope } ({ $reason }) since { $since }: { $detail }
maintenance-usage = Use: /maintenance on <message> · /maintenance off · /maintenance (status)
maintenance-on-done =
    🛠 Maintenance mode ON. Staff can still use the bot; customers see:

    { $preview }
maintenance-off-done = 🟢 Maintenance mode OFF. Customers are served again.
maintenance-unchanged = (Already so; nothing changed.)
maintenance-button-off = 🟢 Turn maintenance mode off
maintenance-not-allowed = Only the shop owner can change maintenance mode.
maintenance-too-long = The message is too long (at most { $max } characters).

# --- Prelaunch doctor ---
doctor-running = 🩺 Running the prelaunch checks…
doctor-summary = 🩺 Prelaunch check: { $fail } FAIL · { $warn } WARN · { $pass } PASS

# --- Owner alerts ---
alert-next-step = Next step
alert-still-happening = Still happening ×{ $count } since { $since }
alert-resolved = Resolved: { $title }
alert-summary = Alert storm: { $count } alerts held back so you are not flooded:
alert-summary-next = Each one is still tracked: you get "resolved" when it clears. Start with the 🚨 ones.
alert-mute-1h = 🔕 Mute 1 h
alert-mute-24h = 🔕 Mute 24 h
alert-muted-until = 🔕 Muted until { $until } by { $who }.
alert-mute-done = Muted until { $until }.
alert-mute-refused = Only the shop owner can mute alerts.
alert-mute-gone = This alert no longer exists.

# --- Backups: /backup, drill report, /restore (backup surfaces) ---
backup-owner-only = Only the shop owner can do this.
backup-already-running = ⏳ A backup is already running. Wait until it is done, then try again.
backup-step-preparing = 💾 Backup: starting…
backup-step-dumping = 💾 Backup: dumping the database…
backup-step-encrypting = 🔐 Backup: encrypting and splitting into parts…
backup-step-sending = 📤 Backup: sending part { $part }/{ $parts }…
backup-done = ✅ Backup { $backupId } done: { $size } in { $parts } part(s), { $seconds } s. Keep the parts and the manifest above; only your secret key (not on the server) opens them.
backup-failed =
    ❌ Backup failed: { $error }
    Next: fix the cause above and send /backup again; /backup status shows the last good one.
backup-never = never
backup-status-title = 💾 Backups
backup-status-last-good = Last good backup: { $at } · { $backupId } · { $size } in { $parts } part(s) · { $seconds } s
backup-status-last-good-none = Last good backup: { $never }
backup-status-last-failed = ⚠️ Latest backup FAILED ({ $at }): { $error }
backup-status-drill-ok = Last restore drill: { $at } ✅ restore OK in { $seconds } s
backup-status-drill-failed = Last restore drill: { $at } ❌ { $error }
backup-status-drill-none = Last restore drill: { $never }
backup-status-decrypt = Test decrypt: { $result }
backup-status-local = Kept on the server: { $count } backup(s), { $size } · S3 copy: { $s3 }
backup-status-schedule = Schedule (WIB): backup { $backup } · drill { $drill }
backup-drill-ok = ✅ Restore drill: restore OK in { $seconds } s (backup { $backupId }, { $tables } tables equal to the manifest).
backup-drill-differs =
    ❌ Restore drill of backup { $backupId } FAILED after { $seconds } s: { $error }
    <pre>{ $comparison }</pre>
    Next: do not rely on this backup; send /backup for a new one and watch the next drill.
restore-not-allowed = Only the shop owner can restore a backup.
restore-intro =
    ♻️ Restore from a backup in this chat.
    Forward me the backup's manifest (…manifest.json) and all its parts (…partNN.bin), as documents, in any order. I check each one against the manifest as it arrives.
    Nothing changes until you confirm at the end. /cancel stops.
restore-send-documents = Forward the manifest and the parts as documents (or /cancel).
restore-file-manifest = 📄 Manifest of backup { $backupId } received: { $parts } part(s).
restore-file-part-ok = ✅ { $name } received and equal to the manifest.
restore-file-part-unchecked = 📥 { $name } received; I check it once the manifest is here.
restore-file-altered = ❌ { $name } does NOT match the manifest (manifest: { $expected }; received: { $got }). It was not kept: forward the original part.
restore-file-foreign = ❌ { $name } belongs to another backup ({ $backupId }), not the one being restored. It was not kept.
restore-file-not-backup = ❌ { $name } is not a backup part or manifest. It was not kept.
restore-file-too-big = ❌ { $name } is { $size }: bots can only download files up to 20 MB. Restore on the server instead: npm run restore (ops/RUNBOOK.md).
restore-file-unavailable = ❌ { $name } could not be downloaded from Telegram ({ $reason }). Forward it again.
restore-need-manifest = Received { $received } part(s) so far; forward the manifest too.
restore-files-complete = All { $parts } part(s) are here and equal to the manifest.
restore-files-missing = { $have }/{ $parts } part(s) checked. Still missing: { $missing }
restore-ask-key =
    🔑 Now paste the backup secret key (BACKUP_SECRET_KEY, from npm run backup:keygen) of key { $fingerprint }.
    I delete your message at once and keep the key in memory only, for this restore.
restore-key-as-text = Paste the secret key as a text message (or /cancel).
restore-key-malformed = That is not a backup secret key (32 bytes, base64). Your message was deleted. Paste the key of { $fingerprint } again, or /cancel.
restore-key-wrong = That key does not open this backup (it needs the key of { $fingerprint }). Your message was deleted. Paste the right key, or /cancel.
restore-key-gave-up = Too many wrong keys: the restore is stopped and nothing was changed.
restore-key-unasked = 🔑 I deleted your message: it looked like a backup secret key, which must never sit in a chat. Paste it only when /restore asks for it.
restore-key-expired = the secret key is no longer held (the bot restarted or it expired); start again with /restore
restore-confirm =
    ⚠️ This REPLACES all of the shop's data with backup { $backupId } (made { $createdAt }).
    First the shop goes into maintenance and a fresh backup of the current data is sent to you.
    To go ahead, type exactly:
    <code>{ $phrase }</code>
restore-confirm-mismatch = That is not the confirmation; nothing was changed. Type exactly <code>{ $phrase }</code>, or /cancel.
restore-confirm-gave-up = The confirmation did not match: the restore is stopped and nothing was changed.
restore-timeout = ⌛ The restore waited too long and was stopped. Nothing was changed.
restore-too-many = Too many messages: the restore is stopped and nothing was changed. Start again with /restore.
restore-step-maintenance = 🛠 Maintenance mode on: customers wait while the shop is restored.
restore-step-backup = 💾 Taking a fresh backup of the current data first…
restore-step-restoring = ♻️ Restoring backup { $backupId }…
restore-pre-backup-failed = the fresh backup before the restore failed ({ $error }), so nothing was restored
restore-failed =
    ❌ Restore failed: { $error }
    Maintenance mode is off again. Fresh backup taken before: { $preBackupId }.
restore-done =
    ✅ Backup { $backupId } restored; every count and checksum equals the manifest. Maintenance mode is off.
    <pre>{ $comparison }</pre>
    The data from before the restore is in backup { $preBackupId } (sent above).
restore-mismatch =
    ⚠️ Backup { $backupId } restored, but the result DIFFERS from the manifest. Maintenance mode is off.
    <pre>{ $comparison }</pre>
    The data from before the restore is in backup { $preBackupId } (sent above); see ops/RUNBOOK.md before going on.

# --- VPS actions: refused or interrupted ---
vps-action-refused-suspended = the VPS is suspended, so the queued action was cancelled. Renew it to bring the VPS back.
vps-action-refused-held = the VPS is on hold while the shop owner decides about a refunded payment, so the queued action was cancelled.
vps-action-refused-deleted = the VPS has been deleted (its term ran out), so the queued action was cancelled.
vps-action-refused-not_active = the VPS is not active, so the queued action was cancelled.
vps-action-interrupted = the action stopped midway and could not be finished. Please try again from the VPS menu.

# --- Payments: gateway refunds under review, ended challenges, staff retries (H8) ---
notify-payment-refunded-review = 💸 The payment of { $amount } for order { $reference } was refunded by the payment gateway before the seller checked it. The order will not be processed.
review-challenge-ended = ℹ️ { $gateway } denied (or let expire) the payment held for a fraud check on order { $reference }. The money never arrived; there is nothing to decide, and the earlier review buttons no longer apply.
staff-retry-not-queued = ⚠️ The retry of order { $reference } is recorded, but the job queue has not taken it yet. It starts about a minute after the queue is back; if it does not, send /retry again.

# --- New-user polish: role-based /help, wallet balance at payment (H11) ---
help-commands-title = Commands available to you:
pay-option-wallet-balance = 💰 Balance { $balance } · pay { $total }
pay-option-wallet-short = 💰 Balance { $balance } · not enough for { $total }

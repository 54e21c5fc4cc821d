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
menu-help = ❓ Help

help-text =
    Available commands:
    /start — main menu
    /catalog — VPS catalog and ordering
    /orders — my orders
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
cmd-stats = Shop statistics
cmd-health = Service health

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

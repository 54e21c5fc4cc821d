# Catalog, coupons and bank accounts from the chat (/shop, /coupons) — staff with the catalog/coupon permission.

cat-adm-home = 🛠 <b>Shop catalog</b>
    Pick a provider to manage its plans, or the bank accounts for manual transfer. Changes show to customers at once.
cat-adm-banks = 🏦 Bank accounts
cat-adm-coupons = 🎟 Coupons
cat-adm-on = on
cat-adm-off = off
cat-adm-none = —
cat-adm-all = all
cat-adm-yes = Yes
cat-adm-no = No
cat-adm-saved = ✅ Saved.
cat-adm-invalid = That value cannot be used. Nothing was changed.
cat-adm-not-found = This no longer exists. Nothing was changed.
cat-adm-cloud-error = { $provider }'s list cannot be read right now ({ $code }). Try again in a moment; nothing was changed.
cat-adm-cloud-missing = Provider { $provider } is not configured (no API token).

cat-adm-provider = <b>{ $name }</b> — { $status }
    { $plans } plans. Tap a plan to change its prices, stock and more.
cat-adm-provider-on = ✅ Switch provider on
cat-adm-provider-off = ⛔ Switch provider off
cat-adm-stock-short = stock { $stock }
cat-adm-stock-unlimited = unlimited
cat-adm-plan-new = ➕ New plan from the provider's list

cat-adm-plan = <b>{ $name }</b> ({ $code }) — { $status }
    { $provider } · { $region } · { $size }
    { $vcpu } vCPU · RAM { $ram } · SSD { $disk } GB · transfer { $bandwidth }
    Stock: { $stock }

    <b>Prices</b>
    { $prices }
    <b>Reseller prices</b>
    { $resellers }
    <b>Promos</b>
    { $promos }
    <b>OS</b>: { $images }
cat-adm-price-edit = ✏️ { $months } mo
cat-adm-price-off = ⛔ Turn off { $months } mo
cat-adm-price-on = ✅ Turn on { $months } mo
cat-adm-price-add = ➕ Duration
cat-adm-reseller = 💼 Reseller prices
cat-adm-stock = 📦 Stock
cat-adm-plan-on = ✅ Switch plan on
cat-adm-plan-off = ⛔ Switch plan off
cat-adm-promos = 🏷 Promos
cat-adm-images = 💿 OS
cat-adm-rename = ✏️ Name
cat-adm-bandwidth = 📶 Transfer
cat-adm-plan-created = ✅ Plan created (still off). Add prices and OS images, then switch it on.
cat-adm-plan-exists = A plan for this size and region already exists:
cat-adm-size-gone = The provider no longer offers this size there. Nothing was created.
cat-adm-pick-region = New plan at { $provider } — pick a region (live from the provider):
cat-adm-pick-size = Pick a size offered in { $region }:
cat-adm-no-sizes = The provider offers no size in this region right now.

cat-adm-reseller-title = Reseller prices for <b>{ $name }</b>. Tap to change; skip to remove (the reseller then pays the public price).
cat-adm-reseller-no-tiers = There are no reseller tiers yet.
cat-adm-promos-title = Promos of <b>{ $name }</b>: { $count } running or scheduled.
cat-adm-promo-end = ⛔ End “{ $label }”
cat-adm-promo-new = ➕ New promo
cat-adm-images-title = OS images for <b>{ $name }</b>: { $count }. Tap one to remove it.
cat-adm-image-remove = ✖️ { $name }
cat-adm-image-add = ➕ Add from the provider's list
cat-adm-pick-image = Pick an OS for <b>{ $name }</b> (live from the provider):

cat-adm-form-skip = ⏭ Skip
cat-adm-form-cancel = ✖️ Cancel
cat-adm-form-save = ✅ Save
cat-adm-form-cancelled = Cancelled. Nothing was changed.
cat-adm-form-stale = This form is no longer open.
cat-adm-form-use-buttons = Please pick one of the buttons.
cat-adm-bad-not_amount = Write the rupiah amount in digits, e.g. 75000 or 75.000.
cat-adm-bad-amount_range = The amount must be between Rp 1 and Rp 1.000.000.000.
cat-adm-bad-not_number = Write a whole number, e.g. 5.
cat-adm-bad-number_range = That number is out of range.
cat-adm-bad-not_date = Write a date like 2026-12-31 or 2026-12-31 18:30 (Jakarta time).
cat-adm-bad-not_text = Write plain text.
cat-adm-bad-text_long = That text is too long.
cat-adm-bad-not_list = Write a comma-separated list, e.g. 1, 3, 12.
cat-adm-bad-not_code = Code: 3–32 letters, digits, - or _.

cat-adm-ask-price = New price in rupiah?
cat-adm-ask-price-for = New price for { $months } months, in rupiah?
cat-adm-ask-months = How many months (1–36)?
cat-adm-ask-reseller = { $tier } price for { $months } months, in rupiah? (Skip = remove this reseller price.)
cat-adm-ask-stock = Stock now: { $now }. How many units in stock? Write a number, or pick unlimited.
    To stop sales, switch the plan off (⛔) — units held by unpaid orders come back to stock when those orders expire.
cat-adm-stock-changed = The stock changed meanwhile (a unit sold or came back), now { $stock }. Nothing was changed — set it again?
cat-adm-ask-name = The plan's name as customers see it?
cat-adm-ask-bandwidth = Monthly transfer in GB (e.g. 1000)?
cat-adm-ask-promo-label = The promo's name as customers see it (e.g. 12.12 Sale)?
cat-adm-ask-kind = Kind of discount?
cat-adm-kind-percent = Percent (%)
cat-adm-kind-fixed = Amount (Rp)
cat-adm-ask-value-percent = How many percent off (1–99)?
cat-adm-ask-value-fixed = How many rupiah off?
cat-adm-ask-cap = At most how many rupiah off? (Skip = no cap.)
cat-adm-ask-promo-months = Only for a duration of how many months? (Skip = every duration.)
cat-adm-ask-starts = Starting when? Write a date (2026-12-12 or 2026-12-12 00:00, Jakarta time) or pick now.
cat-adm-now = Now
cat-adm-ask-ends = Ending when? A bare date = until the end of that day (Jakarta time).
cat-adm-promo-confirm = New promo:
    <b>{ $label }</b> — { $discount } off, at most { $cap }
    Duration: { $months } · { $starts } – { $ends }
    Prices:
    { $prices }
cat-adm-promo-preview = { $months } mo: { $before } → <b>{ $after }</b>
cat-adm-promo-bad-value = Invalid discount (percent 1–99, or an amount above 0).
cat-adm-promo-bad-free = This discount is at or above the plan's (cheapest) price, so the plan would be free. The promo was not saved — check the amount.
cat-adm-promo-bad-cap = Invalid cap.
cat-adm-promo-bad-duration = Invalid duration.
cat-adm-promo-bad-window = The end must be after the start. Nothing was saved.
cat-adm-promo-bad-label = Invalid promo name.

cat-adm-coupons-title = 🎟 <b>Coupons</b> — { $count } coupons (page { $page }/{ $pages }). Last number: used/limit.
cat-adm-coupon-new = ➕ New coupon
cat-adm-coupon-off = ⛔ Switch off
cat-adm-coupon-on = ✅ Switch on
cat-adm-coupon-redemptions = 👥 Redeemed by
cat-adm-coupon-card = <b>{ $code }</b> — { $status }
    { $discount } off · at most { $cap } · min. order { $min }
    Valid { $from } – { $to }
    Used { $used } of { $limit } · per customer { $perUser } · first order only: { $first }
    Plans: { $plans } · durations: { $durations }
    Given back (orders not paid): { $released } · total discount: { $given }
cat-adm-redemptions = Redemptions of <b>{ $code }</b> ({ $total }):
    { $lines }
cat-adm-released = given back
cat-adm-ask-coupon-code = Coupon code (3–32 letters/digits, e.g. SAVE20)?
cat-adm-ask-min = Minimum order in rupiah? (Skip = no minimum.)
cat-adm-ask-from = Valid from when (2026-12-01, Jakarta time)? (Skip = from now.)
cat-adm-ask-to = Valid until when? A bare date = until the end of that day. (Skip = no end.)
cat-adm-ask-limit = How many uses in total? (Skip = unlimited.)
cat-adm-ask-per-user = How many uses per customer? (Skip = unlimited.)
cat-adm-ask-first = Only for a customer's first order?
cat-adm-ask-plans = Only for some plans? Write plan codes separated by commas. (Skip = every plan.)
cat-adm-ask-durations = Only for some durations (months, e.g. 3, 12)? (Skip = every duration.)
cat-adm-coupon-confirm = New coupon <b>{ $code }</b>:
    { $discount } off · at most { $cap } · min. order { $min }
    Valid { $from } – { $to }
    Limit { $limit } · per customer { $perUser } · first order only: { $first }
    Plans: { $plans } · durations: { $durations }
cat-adm-coupon-free-warning = ⚠️ This discount is at or above the cheapest price it applies to ({ $cheapest }): that plan becomes FREE. Check the amount before saving.
cat-adm-coupon-created = ✅ Coupon created.
cat-adm-coupon-bad-plans = Unknown plan codes: { $codes }. The coupon was not created.
cat-adm-coupon-bad-code = Invalid coupon code. The coupon was not created.
cat-adm-coupon-bad-value = Invalid discount. The coupon was not created.
cat-adm-coupon-bad-cap = Invalid cap. The coupon was not created.
cat-adm-coupon-bad-min = Invalid minimum order. The coupon was not created.
cat-adm-coupon-bad-window = The end date must be after the start date. The coupon was not created.
cat-adm-coupon-bad-limit = Invalid usage limit. The coupon was not created.
cat-adm-coupon-bad-duplicate = Another coupon already has that code. The coupon was not created.
cat-adm-coupon-bad-unknown_plan = A plan is unknown. The coupon was not created.

cat-adm-banks-title = 🏦 <b>Accounts for manual transfer</b> (in the order customers see them). Tap an account to switch it on or off.
    { $lines }
cat-adm-bank-new = ➕ New account
cat-adm-ask-bank = Bank name (e.g. BCA)?
cat-adm-ask-account = Account number (digits only)?
cat-adm-ask-holder = Account holder's name?
cat-adm-bank-bad-duplicate = That account already exists. Nothing was added.
cat-adm-bank-bad-invalid = Invalid account details. Nothing was added.

# Resellers: order labels (client or project), orders by label, invoice history.
rsl-no-label = (no label)
rsl-label-line = 🏷 { $label }
rsl-label-add = 🏷 Add a label (client/project)
rsl-label-change = 🏷 Change label
rsl-label-remove = 🏷 Remove label
rsl-label-summary = Label: <b>{ $label }</b>
rsl-label-ask = 🏷 Send the label for this order: the client or project it is for (up to { $max } characters, letters, digits, spaces and . , - _ &amp; ( ) # / + ' @).
rsl-label-cancel = ✖️ Cancel
rsl-label-cancelled = Label unchanged.
rsl-label-bad-empty = ❌ The label is empty. Send a name of up to { $max } characters.
rsl-label-bad-too_long = ❌ The label is too long: up to { $max } characters.
rsl-label-bad-bad_chars = ❌ The label may contain letters, digits, spaces and . , - _ &amp; ( ) # / + ' @ only.
rsl-label-saved = ✅ Order { $reference } is labelled <b>{ $label }</b>.
rsl-label-cleared = Label of order { $reference } removed.
rsl-open-order = 🧾 Open the order
rsl-by-label = 🏷 Orders by label
rsl-all-labels = 🏷 All labels
rsl-groups-title = <b>🏷 Orders by label</b>
rsl-groups-empty = You have no VPS orders yet, so no labels.
rsl-group-line = { $label } — { $orders ->
    [one] 1 order
   *[other] { $orders } orders
  }
rsl-group-button = { $label } ({ $orders })
rsl-group-title = <b>🏷 { $label }</b> — { $orders ->
    [one] 1 order
   *[other] { $orders } orders
  }
rsl-invoices-title = <b>📄 Invoices</b>
rsl-invoices-empty = No invoices yet: an invoice is made when an order is paid.
rsl-invoice-line = { $reference } · { $what } · { $total } · paid { $date }
rsl-invoice-topup = Balance top-up
rsl-invoice-button = 📄 { $reference }
rsl-invoice-not-found = Invoice not found.
rsl-invoice-open = 📄 Invoice
rsl-qty-button = { $quantity } × VPS
rsl-qty-total = <b>Total: { $quantity } × { $unit } = { $amount }</b>
rsl-qty-coupon-dropped = ℹ️ A coupon is for a single VPS, so it was removed for an order of several.
rsl-qty-created =
    ✅ { $quantity } orders created, one per VPS:
    { $refs }
    Total { $total }. Pay before { $deadline }: all at once from your balance, or each one from 🧾 My orders.
rsl-qty-pay-all = 💰 Pay all from balance
rsl-qty-pay-confirm =
    💰 Pay { $quantity } orders from your balance?
    { $refs }
    Total { $total } · balance { $balance } → { $after }
rsl-qty-pay-short =
    ❌ Not enough balance for { $quantity } orders:
    { $refs }
    Total { $total }, balance { $balance }. Top up under 💰 Balance, or pay each order from 🧾 My orders.
rsl-qty-pay-yes = ✅ Pay all
rsl-qty-paid =
    ✅ { $quantity } orders paid ({ $total }):
    { $refs }
    Your balance is now { $balance }. The VPS are being set up; the logins arrive here.
rsl-qty-nothing-to-pay = These orders are no longer awaiting payment.
rsl-qty-unavailable = ⛔ This plan cannot be bought right now (sold out, switched off or paused), so none of these orders was paid. Your balance is unchanged.
rsl-qty-not-payable = ⛔ One of these orders can no longer be paid (its payment time has passed), so none of them was paid. Your balance is unchanged.
rsl-qty-reseller-only = Several VPS in one checkout are for resellers. The quantity is back to 1; check the summary and confirm again.

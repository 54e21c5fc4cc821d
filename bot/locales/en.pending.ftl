# --- Pending queue (/pending) ---
pend-title = 📋 Staff queue: { $count } waiting (page { $page }/{ $pages }, oldest first)
pend-empty = ✅ Nothing is waiting. Every transfer proof, payment under review and provisioning failure has been handled.
pend-line = { $n }. { $icon } { $reference } · { $amount } · { $age }{ $flag }
pend-flag-deadline = {" "}· ⏰ deadline near
pend-kind-proof = 🧾
pend-kind-review = 🔎
pend-kind-prov-failed = ⚠️
pend-kind-prov-stuck = ⏳
pend-prev = ◀️ Previous
pend-next = Next ▶️
pend-refresh = 🔄 Refresh
pend-gone = This item is gone.
pend-age = { $unit ->
    [m] { $value } min
    [h] { $value } h
   *[d] { $value } d
}

pend-card-proof =
    🧾 Transfer proof: { $reference } ({ $plan })
    Customer: { $customer }
    Amount expected: { $amount }
    Waiting: { $age }
pend-card-deadline = ⏰ Payment deadline: { $deadline }
pend-card-late = ⌛ The order is already { $status }: if approved, the money goes to review (late payment).
pend-card-review =
    🔎 Payment to check: { $reference } ({ $why })
    Customer: { $customer }
    Received: { $received } · expected { $expected }
    Gateway: { $gateway }
    Waiting: { $age }
pend-card-prov-failed =
    ⚠️ Provisioning failed: { $reference } ({ $plan })
    Customer: { $customer }
    Paid: { $amount } · attempts: { $attempts }
    Last error: { $error }
    Waiting: { $age }
pend-card-prov-stuck =
    ⏳ Provisioning stuck: { $reference } ({ $plan })
    Customer: { $customer }
    Paid: { $amount } · attempts: { $attempts }
    Last error: { $error }
    Not moving for: { $age }

pend-two-person = 👥 Above { $limit }: needs the approval of two different staff members.
pend-half = 🟡 Approved 1/2 by { $name } { $time } — waiting for a second staff member.
pend-first-approval = 🟡 Your first approval of { $amount } is recorded (1/2). Another staff member must approve too before the order is paid.
pend-same-member = You already gave the first approval. The second approval must come from another staff member.
pend-already-handled = Already handled by { $name } { $time }.

pend-done-approved = ✅ Approved by { $name } { $time }
pend-done-rejected = ❌ Rejected by { $name } { $time }
pend-done-refunded-wallet = 💸 Refunded to the wallet by { $name } { $time }
pend-done-refunded-outside = 🏦 Marked as refunded outside the shop by { $name } { $time }
pend-done-retried = 🔁 Retried by { $name } { $time }
pend-done-refunded = 💸 Refunded to the wallet by { $name } { $time }
pend-done-handled = ✔️ Already handled by { $name } { $time }
pend-done-gone = ✔️ No longer waiting for anyone.

pend-remind =
    ⏰ { $count } item(s) waiting longer than { $minutes } minutes:
    { $lines }
pend-open-queue = 📋 Open the queue
pend-markpaid-first = 🟡 Your mark-paid of { $amount } is recorded (1/2). Another staff member must mark it paid too (with a reason) before the order is paid.

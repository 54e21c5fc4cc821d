# --- Stats with charts (/stats, the weekly summary): shop/stats/charts/ ---
stats-chart-period = { $from } – { $to }
stats-chart-now = Right now
stats-chart-none = (no data yet)
stats-chart-axis-day = Day
stats-chart-axis-revenue = Revenue (Rp)
stats-chart-axis-orders = Paid orders
stats-chart-axis-runs = Provisioning runs
stats-chart-axis-servers = VPS
stats-chart-duration-min = { $m } min { $s } s
stats-chart-duration-sec = { $s } s
stats-chart-revenue-title = Revenue per day
stats-chart-revenue-caption =
    💰 Revenue, { $days } days: { $revenue } from { $orders } paid { $orders ->
        [one] order
       *[other] orders
    } (average { $perDay }/day)
    Best day: { $bestDay } ({ $best })
    Not counted, refunded: { $refundedOrders } { $refundedOrders ->
        [one] order
       *[other] orders
    }, { $refunded }
stats-chart-funnel-title = Conversion funnel
stats-chart-funnel-viewers = Catalog views
stats-chart-funnel-orders = Orders
stats-chart-funnel-paid = Paid
stats-chart-funnel-active = Active VPS
stats-chart-funnel-caption =
    🔻 Funnel, { $days } days (new VPS orders):
    { $viewers } catalog visitors per day ({ $views } opens)
    → { $orders } { $orders ->
        [one] order
       *[other] orders
    } ({ $orderRate })
    → { $paid } paid ({ $paidRate })
    → { $active } active ({ $activeRate })
stats-chart-methods-title = Payment methods
stats-chart-methods-caption = 💳 Payment methods, { $days } days:
stats-chart-method-line = • { $method }: { $orders } { $orders ->
        [one] order
       *[other] orders
    }, { $amount } ({ $share })
stats-chart-gateway-TRIPAY = Tripay
stats-chart-gateway-MIDTRANS = Midtrans
stats-chart-gateway-WALLET = Wallet balance
stats-chart-gateway-MANUAL_TRANSFER = Bank transfer
stats-chart-gateway-OTHER = Other
stats-chart-provisioning-title = Provisioning per day
stats-chart-provisioning-done = Succeeded
stats-chart-provisioning-failed = Failed
stats-chart-provisioning-caption =
    ⚙️ Provisioning, { $days } days: { $done } succeeded, { $failed } failed, { $running } running
    Success rate: { $rate }
    Time to active: median { $p50 }, p95 { $p95 }
stats-chart-top-plans-title = Top plans
stats-chart-top-plans-caption = 🏆 Top plans, { $days } days:
stats-chart-top-plan-line = { $rank }. { $plan }: { $orders } { $orders ->
        [one] order
       *[other] orders
    }, { $amount }
stats-chart-providers-title = Active VPS per provider
stats-chart-providers-active = Active
stats-chart-providers-suspended = Suspended
stats-chart-providers-caption = 🖥 Active VPS now: { $total }
stats-chart-provider-line = • { $provider }: { $active } active, { $suspended } suspended
stats-chart-provider-DIGITALOCEAN = DigitalOcean
stats-chart-provider-VULTR = Vultr
stats-chart-provider-LINODE = Linode
stats-chart-drawing = 📈 Drawing the charts…
stats-chart-failed = The charts could not be drawn right now; the numbers above are still right. Try /stats again in a moment.
stats-chart-weekly-title = 📅 Weekly shop summary
stats-chart-weekly-text =
    { stats-chart-weekly-title }
    Week { $week } (compared with the week before):
    💰 Revenue: { $revenue } ({ $revenueChange })
    🧾 Paid orders: { $orders } ({ $ordersChange })
    👤 New customers: { $newUsers } ({ $newUsersChange })
    🔻 Orders → paid: { $paidRate } (before { $paidRateBefore })
    ⚙️ Provisioning success: { $provisioningRate } (before { $provisioningRateBefore })
    🖥 Active VPS now: { $active }
    Not counted, refunded: { $refundedOrders } { $refundedOrders ->
        [one] order
       *[other] orders
    }, { $refunded }
stats-chart-change-new = new
stats-chart-change-same = unchanged
stats-chart-period-button = 📈 { $days } days

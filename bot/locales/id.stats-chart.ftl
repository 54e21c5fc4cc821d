# --- Stats with charts (/stats, the weekly summary): shop/stats/charts/ ---
stats-chart-period = { $from } – { $to }
stats-chart-now = Saat ini
stats-chart-none = (belum ada data)
stats-chart-axis-day = Tanggal
stats-chart-axis-revenue = Pendapatan (Rp)
stats-chart-axis-orders = Pesanan dibayar
stats-chart-axis-runs = Provisioning
stats-chart-axis-servers = VPS
stats-chart-duration-min = { $m } mnt { $s } dtk
stats-chart-duration-sec = { $s } dtk
stats-chart-revenue-title = Pendapatan per hari
stats-chart-revenue-caption =
    💰 Pendapatan { $days } hari: { $revenue } dari { $orders } pesanan dibayar (rata-rata { $perDay }/hari)
    Hari terbaik: { $bestDay } ({ $best })
    Tidak dihitung karena di-refund: { $refundedOrders } pesanan, { $refunded }
stats-chart-funnel-title = Corong konversi
stats-chart-funnel-viewers = Lihat katalog
stats-chart-funnel-orders = Pesanan
stats-chart-funnel-paid = Dibayar
stats-chart-funnel-active = VPS aktif
stats-chart-funnel-caption =
    🔻 Corong { $days } hari (pesanan VPS baru):
    { $viewers } pengunjung katalog per hari ({ $views } kali dibuka)
    → { $orders } pesanan ({ $orderRate })
    → { $paid } dibayar ({ $paidRate })
    → { $active } aktif ({ $activeRate })
stats-chart-methods-title = Metode pembayaran
stats-chart-methods-caption = 💳 Metode pembayaran, { $days } hari:
stats-chart-method-line = • { $method }: { $orders } pesanan, { $amount } ({ $share })
stats-chart-gateway-TRIPAY = Tripay
stats-chart-gateway-MIDTRANS = Midtrans
stats-chart-gateway-WALLET = Saldo dompet
stats-chart-gateway-MANUAL_TRANSFER = Transfer bank
stats-chart-gateway-OTHER = Lainnya
stats-chart-provisioning-title = Provisioning per hari
stats-chart-provisioning-done = Berhasil
stats-chart-provisioning-failed = Gagal
stats-chart-provisioning-caption =
    ⚙️ Provisioning { $days } hari: { $done } berhasil, { $failed } gagal, { $running } berjalan
    Tingkat berhasil: { $rate }
    Waktu sampai aktif: median { $p50 }, p95 { $p95 }
stats-chart-top-plans-title = Paket terlaris
stats-chart-top-plans-caption = 🏆 Paket terlaris, { $days } hari:
stats-chart-top-plan-line = { $rank }. { $plan }: { $orders } pesanan, { $amount }
stats-chart-providers-title = VPS aktif per penyedia
stats-chart-providers-active = Aktif
stats-chart-providers-suspended = Ditangguhkan
stats-chart-providers-caption = 🖥 VPS aktif sekarang: { $total }
stats-chart-provider-line = • { $provider }: { $active } aktif, { $suspended } ditangguhkan
stats-chart-provider-DIGITALOCEAN = DigitalOcean
stats-chart-provider-VULTR = Vultr
stats-chart-provider-LINODE = Linode
stats-chart-drawing = 📈 Menyiapkan grafik…
stats-chart-failed = Grafik tidak bisa dibuat saat ini; angka di atas tetap benar. Coba /stats lagi sebentar lagi.
stats-chart-weekly-title = 📅 Ringkasan mingguan toko
stats-chart-weekly-text =
    { stats-chart-weekly-title }
    Minggu { $week } (dibanding minggu sebelumnya):
    💰 Pendapatan: { $revenue } ({ $revenueChange })
    🧾 Pesanan dibayar: { $orders } ({ $ordersChange })
    👤 Pelanggan baru: { $newUsers } ({ $newUsersChange })
    🔻 Pesanan → dibayar: { $paidRate } (sebelumnya { $paidRateBefore })
    ⚙️ Provisioning berhasil: { $provisioningRate } (sebelumnya { $provisioningRateBefore })
    🖥 VPS aktif sekarang: { $active }
    Tidak dihitung karena di-refund: { $refundedOrders } pesanan, { $refunded }
stats-chart-change-new = baru
stats-chart-change-same = sama
stats-chart-period-button = 📈 { $days } hari

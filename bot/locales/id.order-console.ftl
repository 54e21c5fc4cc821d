# Orders console (/order): staff only. Keys start with ordc-.
ordc-menu =
    🔎 <b>Cari pesanan</b>
    Ketik <code>/order ORD-…</code> untuk satu pesanan, atau saring:
    <code>/order @budi</code> · <code>/order 123456789</code> (ID Telegram) · <code>/order Budi</code> (nama)
    <code>/order status:gagal provider:do dari:2026-12-01 sampai:2026-12-31</code>
    Ekspor CSV: <code>/order csv dari:2026-12-01 sampai:2026-12-31</code>
    Atau pilih saringan di bawah.
ordc-menu-today = Hari ini
ordc-menu-days = { $days } hari
ordc-menu-csv = 📄 CSV { $days } hari
ordc-bad-filter = Saringan tidak dikenal: { $bad }. Ketik /order untuk contoh.
ordc-not-found = Pesanan { $reference } tidak ditemukan.
ordc-no-results = Tidak ada pesanan yang cocok ({ $filter }).
ordc-results = 📋 Pesanan ({ $filter }) — halaman { $page }
ordc-filter-all = semua
ordc-older = Lebih lama ▶
ordc-newer = ◀ Lebih baru
ordc-search-expired = Pencarian ini sudah kedaluwarsa. Ketik /order lagi.
ordc-card-title = 🧾 <b>{ $reference }</b> · { $status }
ordc-card-customer = 👤 { $customer } · ID { $telegramId }
ordc-card-plan = 📦 { $plan } · { $provider } { $region } · { $months } bln
ordc-card-topup = 💰 Isi saldo
ordc-card-renewal = 🔁 Perpanjangan VPS #{ $instance }
ordc-card-amounts = 💵 Harga { $base } − promo { $promo } − kupon { $coupon }{ $couponCode } = <b>{ $total }</b> + biaya { $fee }
ordc-card-created = 🕒 Dibuat { $created }
ordc-card-deadline = ⏳ Batas bayar { $deadline }
ordc-card-paid = ✅ Dibayar { $paid }
ordc-card-payment = 💳 { $gateway } { $method } · { $status } · { $amount }
ordc-card-payment-received = (diterima { $received }, alasan { $why })
ordc-card-provisioning = 🛠 Penyiapan: { $status }, percobaan { $attempts }
ordc-card-error = ⚠️ Galat terakhir: { $error }
ordc-card-instance = 🖥 VPS #{ $id } { $label } · { $status } · { $ip }
ordc-card-timeline = <b>Riwayat</b>
ordc-card-notes = <b>Catatan</b>
ordc-btn-history = 📜 Riwayat
ordc-btn-payments = 💳 Pembayaran
ordc-btn-provisioning = 🛠 Penyiapan
ordc-btn-instance = 🖥 VPS
ordc-btn-audit = 🗂 Audit
ordc-btn-messages = ✉️ Pesan
ordc-btn-mark-paid = ✅ Tandai lunas
ordc-btn-cancel = ⛔ Batalkan
ordc-btn-refund = ↩️ Refund ke saldo
ordc-btn-retry = 🔄 Ulangi penyiapan
ordc-btn-resend-invoice = 🧾 Kirim ulang invoice
ordc-btn-resend-credentials = 🔑 Kirim ulang login
ordc-btn-note = 📝 Catatan
ordc-btn-back = ⬅️ Kartu pesanan
ordc-history-title = 📜 <b>Riwayat status { $reference }</b>
ordc-payments-title = 💳 <b>Pembayaran { $reference }</b>
ordc-payments-none = Belum ada percobaan pembayaran.
ordc-callback-line = ↳ callback { $at } · { $status } · { $amount } · tanda tangan { $signature } · { $outcome }
ordc-signature-ok = sah
ordc-signature-bad = TIDAK SAH
ordc-provisioning-title = 🛠 <b>Penyiapan { $reference }</b>
ordc-provisioning-none = Pesanan ini belum pernah disiapkan.
ordc-provisioning-retry = ↳ diulang oleh { $by } { $at } (dari { $from })
ordc-instance-title = 🖥 <b>VPS pesanan { $reference }</b>
ordc-instance-none = Pesanan ini tidak punya VPS.
ordc-audit-title = 🗂 <b>Audit { $reference }</b>
ordc-audit-none = Belum ada catatan audit.
ordc-messages-title = ✉️ <b>Pesan ke pelanggan — { $reference }</b>
ordc-messages-none = Belum ada pesan tercatat untuk pesanan ini.
ordc-ask-paid = Tandai pembayaran { $reference } ({ $amount }) lunas. Tulis alasannya (mis. "dicek di dasbor Tripay, callback tidak masuk"):
ordc-ask-cancel = Batalkan pesanan { $reference }. Tulis alasannya (pelanggan akan membacanya):
ordc-ask-note = Tulis catatan untuk pesanan { $reference }:
ordc-reason-timeout = Waktu habis; tidak ada yang diubah pada { $reference }.
ordc-reason-short = Alasan terlalu pendek; tidak ada yang diubah.
ordc-paid-done = ✅ Pembayaran { $reference } ditandai lunas oleh { $staff }. Tindak lanjut (invoice, penyiapan) berjalan.
ordc-paid-review = Uang { $reference } masuk ke pemeriksaan ({ $why }): putuskan di antrean pemeriksaan.
ordc-cancel-done = ⛔ Pesanan { $reference } dibatalkan oleh { $staff }.
ordc-note-done = 📝 Catatan disimpan pada { $reference }.
ordc-refund-confirm = Kembalikan uang pesanan { $reference } ke saldo pelanggan? Ketuk sekali lagi untuk memastikan.
ordc-refund-yes = ↩️ Ya, refund ke saldo
ordc-refund-done = ↩️ { $amount } dikembalikan ke saldo untuk { $reference }.
ordc-resend-done = Dikirim ulang ke pelanggan ({ $reference }).
ordc-resend-recent = Sudah dikirim ulang oleh { $by } pada { $at }; tunggu sebentar sebelum mengirim lagi.
ordc-failed = Tidak bisa: { $why }
ordc-csv-bad = Tulis rentang tanggal: /order csv dari:2026-12-01 sampai:2026-12-31
ordc-csv-caption = 📄 { $rows } pesanan, { $from } – { $to }{ $cut }
ordc-csv-cut = (dipotong: lebih dari { $max } pesanan, persempit rentangnya)
ordc-notify-cancelled = Pesanan { $reference } dibatalkan oleh penjual: { $reason }. Jika Anda sudah membayar, hubungi kami.
ordc-notify-invoice-copy = 🧾 Salinan invoice pesanan { $reference }.
ordc-messages-invoice = 🧾 Invoice terkirim { $at } (pesan #{ $id })
ordc-messages-credentials = 🔑 Login VPS terkirim { $at } (pesan #{ $id })

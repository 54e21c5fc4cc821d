# Bahasa Indonesia — the default language of the shop.

start-greeting =
    Halo, { $name }! 👋
    Selamat datang di { $shop }.
    Beli VPS DigitalOcean, Vultr atau Linode dengan harga rupiah, bayar lewat QRIS, VA, e-wallet atau transfer bank, lalu kelola servernya langsung dari chat ini.
main-menu-title = Menu utama — pilih salah satu:
menu-catalog = 🛒 Katalog VPS
menu-orders = 🧾 Pesanan saya
menu-vps = 🖥 VPS saya
menu-wallet = 💰 Saldo
menu-language = 🌐 Bahasa / Language
menu-settings = ⚙️ Pengaturan
menu-help = ❓ Bantuan

help-text =
    Perintah yang tersedia:
    /start — menu utama
    /catalog — katalog VPS dan pemesanan
    /orders — pesanan saya
    /wallet — saldo dan isi saldo
    /vps — kelola VPS Anda
    /language — ganti bahasa
    /help — bantuan ini
    /cancel — batalkan langkah yang sedang berjalan

language-prompt = Pilih bahasa yang Anda inginkan:
language-changed = Bahasa diganti ke Bahasa Indonesia. 🇮🇩
language-pick-hint = Silakan pilih salah satu tombol bahasa di atas, atau ketik /cancel.

cancelled = Dibatalkan. Ketik /start untuk kembali ke menu utama.
nothing-to-cancel = Tidak ada langkah yang sedang berjalan.
unknown-input = Maaf, saya tidak mengerti. Ketik /start untuk membuka menu.
stale-button = Tombol ini sudah tidak berlaku. Berikut tampilan terbaru.
error-generic = Maaf, terjadi kesalahan di sisi kami. Silakan coba lagi sebentar lagi. (kode: { $ref })
rate-limited = Pelan-pelan ya 🙂 Anda mengirim terlalu banyak pesan. Coba lagi dalam beberapa detik.
blocked-user = Akun Anda sedang dibatasi. Hubungi penjual jika menurut Anda ini keliru.

cmd-start = Menu utama
cmd-help = Bantuan
cmd-language = Ganti bahasa
cmd-cancel = Batalkan langkah saat ini
cmd-catalog = Katalog VPS
cmd-orders = Pesanan saya
cmd-wallet = Saldo dan isi saldo
cmd-stats = Statistik toko
cmd-health = Kesehatan layanan
cmd-doctor = Pemeriksaan pra-peluncuran
cmd-backup = Buat cadangan sekarang
cmd-restore = Pulihkan dari cadangan
cmd-maintenance = Mode pemeliharaan nyala/mati

stats-text =
    📊 Statistik toko
    Pengguna: { $users } (baru hari ini: { $newUsers })
    Pendapatan hari ini: { $revenueToday }
    Pendapatan 30 hari: { $revenue30 }
    Pesanan per status:
    { $orders }
stats-no-orders = (belum ada pesanan)
health-text =
    🩺 Kesehatan layanan
    PostgreSQL: { $postgres }
    Redis: { $redis }
    Antrean (menunggu / gagal):
    { $queues }
health-ok = OK ({ $ms } md)
health-ok-at = OK ({ $ms } md, { $node })
health-fail = GAGAL — { $error }

# --- Catalog and ordering ---
menu-back = ⬅️ Kembali
menu-cancel-flow = ✖️ Batal
menu-main = 🏠 Menu utama
catalog-title = <b>🛒 Katalog VPS</b>
    Pilih penyedia cloud:
catalog-provider-button = { $name } ({ $plans } paket)
catalog-empty = Maaf, saat ini belum ada paket VPS yang dijual. Silakan cek lagi nanti.
catalog-plans-title = <b>{ $provider }</b> — pilih paket:
catalog-page = Halaman { $page } dari { $pages }
catalog-prev = ◀️ Sebelumnya
catalog-next = Berikutnya ▶️
plan-button = { $name } · mulai { $price }
plan-button-sold-out = { $name } · habis
plan-specs = { $vcpu } vCPU · RAM { $ram } · SSD { $disk } GB · transfer { $bandwidth } · lokasi { $region }
plan-detail-title = <b>{ $name }</b> ({ $provider })
plan-pick-duration = Pilih durasi sewa:
plan-sold-out = ⛔ Paket ini sedang habis. Silakan pilih paket lain.
duration = { $months } bulan
duration-button = { $months } bulan · { $price }
price-was = <s>{ $old }</s> { $new }
promo-note = 🔥 { $label } — hemat { $discount }, berlaku s.d. { $until }
promo-until = 🔥 promo s.d. { $until }
reseller-note = 💼 Harga reseller
image-pick = Pilih sistem operasi:
coupon-ask = 🎟 Punya kode kupon? Ketik kodenya sekarang, atau tekan <b>Lewati</b>.
coupon-skip = Lewati
coupon-change = 🎟 Ubah kupon
coupon-remove = Hapus kupon
coupon-applied = ✅ Kupon { $code } dipakai: hemat { $discount }.
coupon-rejected-unknown = ❌ Kode kupon { $code } tidak dikenal.
coupon-rejected-expired = ❌ Kupon { $code } sudah kedaluwarsa.
coupon-rejected-not_yet_valid = ❌ Kupon { $code } belum berlaku.
coupon-rejected-used_up = ❌ Kuota kupon { $code } sudah habis.
coupon-rejected-already_used = ❌ Anda sudah memakai kupon { $code }.
coupon-rejected-not_for_plan = ❌ Kupon { $code } tidak berlaku untuk paket atau durasi ini.
coupon-rejected-min_not_met = ❌ Kupon { $code } butuh minimal pembelian { $min }.
coupon-rejected-first_order_only = ❌ Kupon { $code } hanya untuk pesanan pertama.
coupon-retry = Ketik kode lain, atau tekan <b>Lewati</b>.
summary-title = <b>🧾 Ringkasan pesanan</b>
summary-plan = Paket: { $plan } ({ $provider }, { $region })
summary-image = Sistem operasi: { $image }
summary-duration = Durasi: { $duration }
summary-base = Harga: { $amount }
summary-promo = Diskon promo: −{ $amount }
summary-coupon = Diskon kupon { $code }: −{ $amount }
summary-total = <b>Total: { $amount }</b>
summary-fee-note = Biaya metode pembayaran (jika ada) ditampilkan saat Anda memilih cara bayar.
summary-confirm = ✅ Konfirmasi pesanan
summary-price-changed = ⚠️ Harga berubah sejak Anda melihatnya. Ini ringkasan terbaru — silakan konfirmasi lagi.
order-created =
    ✅ Pesanan <b>{ $reference }</b> dibuat.
    Total: <b>{ $total }</b>
    Selesaikan pembayaran sebelum { $deadline }.
order-rate-limited = ⏳ Terlalu banyak pesanan dalam satu menit. Tunggu sebentar lalu coba lagi.
order-unavailable = ⛔ Maaf, pilihan ini sudah tidak tersedia. Berikut katalog terbaru.
flow-use-buttons = Gunakan tombol pada pesan di atas, atau ketik /cancel.
flow-timeout = Sesi katalog berakhir karena tidak ada aktivitas. Ketik /start untuk mulai lagi.
catalog-stale = Tampilan ini sudah kedaluwarsa. Berikut katalog terbaru.

# --- Orders ---
orders-title = <b>🧾 Pesanan saya</b>
orders-empty = Anda belum punya pesanan. Buka 🛒 Katalog VPS untuk memesan.
orders-line = { $reference } · { $plan } · { $total } · { $status }
order-view-button = { $reference } · { $status }
order-detail-title = <b>Pesanan { $reference }</b>
order-detail-status = Status: <b>{ $status }</b>
order-detail-created = Dibuat: { $date }
order-detail-history = Riwayat:
order-not-found = Pesanan tidak ditemukan.
orders-back = ⬅️ Daftar pesanan
notify-order-created =
    🧾 Pesanan { $reference } menunggu pembayaran.
    Paket: { $plan } · { $duration }
    Total: { $total }
    Batas bayar: { $deadline }
notify-order-expired = ⌛ Pesanan { $reference } kedaluwarsa karena belum dibayar sampai { $deadline }. Kupon yang dipakai sudah dikembalikan. Silakan pesan lagi kapan saja.
order-status-PENDING_PAYMENT = Menunggu pembayaran
order-status-PAYMENT_REVIEW = Diperiksa penjual
order-status-PAID = Sudah dibayar
order-status-PROVISIONING = VPS sedang disiapkan
order-status-ACTIVE = Aktif
order-status-PROVISIONING_FAILED = Gagal disiapkan
order-status-EXPIRED = Kedaluwarsa
order-status-CANCELLED = Dibatalkan
order-status-REFUNDED = Dana dikembalikan
order-next-PENDING_PAYMENT = Langkah berikutnya: bayar sebelum { $deadline }, atau pesanan otomatis kedaluwarsa.
order-next-PAYMENT_REVIEW = Langkah berikutnya: penjual sedang memeriksa pembayaran Anda. Kami kabari di sini.
order-next-PAID = Langkah berikutnya: VPS Anda segera disiapkan otomatis.
order-next-PROVISIONING = Langkah berikutnya: tunggu sebentar, detail login dikirim di chat ini.
order-next-ACTIVE = VPS Anda aktif. Kelola dari menu 🖥 VPS saya.
order-next-PROVISIONING_FAILED = Penjual sudah diberi tahu dan akan mencoba lagi atau mengembalikan dana ke saldo Anda.
order-next-EXPIRED = Pesanan ini tidak dibayar tepat waktu. Silakan buat pesanan baru.
order-next-CANCELLED = Pesanan ini dibatalkan.
order-next-REFUNDED = Dana sudah dikembalikan.

# --- Payments ---
pay-now = 💳 Bayar sekarang
pay-title = <b>💳 Pilih cara bayar</b> — pesanan { $reference }
pay-order-total = Total pesanan: { $total }
pay-option = { $name } · biaya { $fee } · total { $total }
pay-option-free = { $name } · total { $total }
pay-option-manual = 🏦 Transfer bank (dicek penjual)
pay-option-midtrans = 💳 Midtrans (kartu, e-wallet, VA)
pay-none = Maaf, belum ada metode pembayaran yang aktif. Hubungi penjual.
pay-not-payable = Pesanan ini sudah tidak bisa dibayar (status: { $status }).
pay-gateway-error = ⚠️ { $gateway } sedang bermasalah, coba lagi sebentar lagi atau pilih cara bayar lain.
pay-attempts-order-limit = ⏳ Terlalu banyak percobaan pembayaran untuk pesanan ini dalam satu jam. Pakai pembayaran yang sudah dibuka, atau coba lagi nanti.
pay-attempts-user-limit = ⏳ Terlalu banyak percobaan pembayaran dari akun Anda dalam satu jam. Selesaikan pembayaran yang sudah dibuka, atau coba lagi nanti.
pay-manual-unavailable = ⚠️ Transfer bank untuk nominal ini sedang penuh. Coba lagi nanti atau pilih cara bayar lain.
pay-below-min = (minimal { $min })
pay-tripay-va =
    <b>{ $channel }</b>
    Nomor pembayaran: <code>{ $code }</code>
    Jumlah: <b>{ $total }</b> (termasuk biaya { $fee })
    Bayar sebelum: { $expires }
    Status akan diperbarui otomatis setelah pembayaran masuk.
pay-tripay-qris =
    <b>QRIS</b> — pindai kode QR ini dengan aplikasi bank atau e-wallet apa pun.
    Jumlah: <b>{ $total }</b> (termasuk biaya { $fee })
    Bayar sebelum: { $expires }
pay-tripay-redirect =
    <b>{ $channel }</b>
    Jumlah: <b>{ $total }</b> (termasuk biaya { $fee })
    Bayar sebelum: { $expires }
    Tekan tombol di bawah untuk membayar.
pay-open-checkout = 🔗 Buka halaman pembayaran
pay-midtrans =
    <b>Midtrans</b>
    Jumlah: <b>{ $total }</b>
    Tekan tombol di bawah untuk memilih kartu, e-wallet atau virtual account.
pay-wallet-confirm = Bayar <b>{ $total }</b> dari saldo Anda? Saldo sekarang { $balance }, sisa setelahnya { $after }.
pay-wallet-yes = ✅ Ya, bayar dari saldo
pay-wallet-insufficient = ❌ Saldo tidak cukup: saldo { $balance }, dibutuhkan { $needed }. Isi saldo dulu lewat 💰 Saldo.
pay-wallet-held = ⏸ Saldo Anda sedang ditahan sementara pemilik toko memeriksa pengembalian dana dari gateway pembayaran. Pilih cara bayar lain, atau hubungi penjual.
pay-wallet-done = ✅ Pesanan { $reference } dibayar dari saldo. Sisa saldo { $balance }.
pay-manual =
    <b>🏦 Transfer bank</b>
    Transfer <b>tepat { $amount }</b> (sudah termasuk kode unik { $code }) ke salah satu rekening:
    { $accounts }
    Batas waktu: { $deadline }
    Lalu <b>kirim foto/screenshot bukti transfer</b> ke chat ini. Penjual akan memeriksa dan mengonfirmasi.
proof-received = 🧾 Bukti transfer untuk { $reference } diterima dan sedang diperiksa penjual. Kami kabari di sini.
proof-no-open-transfer = Tidak ada pesanan yang menunggu bukti transfer. Pilih 🏦 Transfer bank saat membayar pesanan dulu.
proof-not-your-order = ❌ Pesanan { $reference } bukan milik Anda, jadi buktinya tidak bisa diterima.
proof-not-image = ❌ File ini bukan gambar. Kirim foto atau screenshot bukti transfer (JPG/PNG).
proof-too-large = ❌ Gambar terlalu besar (maks { $max } MB). Kirim screenshot yang lebih kecil.
proof-already-pending = 🧾 Bukti transfer untuk { $reference } sudah kami terima dan sedang diperiksa penjual. Tunggu keputusannya; jika ditolak, Anda bisa mengirim bukti baru.
proof-rate-limited = ⏳ Terlalu banyak gambar dalam waktu singkat. Tunggu { $minutes } menit lalu kirim lagi.
proof-too-many-pixels = ❌ Resolusi gambar terlalu besar (maks { $megapixels } megapiksel). Kirim sebagai foto biasa (bukan file) atau kirim screenshot.
proof-busy = ⏳ Banyak bukti transfer sedang diproses. Kirim lagi dalam satu menit.
notify-payment-received =
    ✅ Pembayaran pesanan { $reference } diterima: { $total }.
    { $next }
notify-next-provision = VPS Anda sedang disiapkan otomatis; detail login dikirim di chat ini.
notify-next-renewal = Masa aktif VPS Anda diperpanjang.
notify-payment-review = 🔎 Pembayaran untuk pesanan { $reference } sedang diperiksa penjual ({ $why }). Kami kabari di sini.
notify-payment-review-amount = 🔎 Pembayaran untuk pesanan { $reference } sedang diperiksa penjual: diterima { $received }, seharusnya { $expected }. Kami kabari di sini.
review-why-amount_mismatch = jumlah tidak sesuai
review-why-late_payment = dibayar setelah batas waktu
review-why-already_paid = pesanan sudah dibayar sebelumnya
review-why-challenge = ditahan sistem antifraud
review-why-order_in_review = pembayaran lain untuk pesanan ini sedang diperiksa
notify-payment-expired = ⌛ Pembayaran pesanan { $reference } kedaluwarsa dan pesanan dibatalkan. Kupon yang dipakai sudah dikembalikan.
notify-proof-rejected = ❌ Bukti transfer untuk pesanan { $reference } ditolak penjual: { $reason }. Kirim bukti yang benar ke chat ini, atau pilih cara bayar lain.
notify-review-refunded-wallet = 💸 Pembayaran { $amount } untuk pesanan { $reference } dikembalikan ke saldo Anda: { $reason }. Saldo Anda sekarang { $balance }.
notify-review-refunded-outside = 💸 Pembayaran { $amount } untuk pesanan { $reference } sudah dikembalikan penjual di luar toko: { $reason }.
notify-payment-refunded-hold = ⏸ Pembayaran { $amount } untuk pesanan { $reference } dikembalikan oleh gateway pembayaran. Saldo Anda dan VPS pesanan itu ditahan sampai pemilik toko memeriksanya.
notify-topup-done = ✅ Isi saldo { $amount } berhasil. Saldo Anda sekarang { $balance }.
invoice-caption = Faktur pesanan { $reference }

# --- Wallet ---
wallet-title =
    <b>💰 Saldo</b>
    Saldo Anda: <b>{ $balance }</b>
wallet-history = Riwayat terakhir:
wallet-empty-history = (belum ada transaksi)
wallet-line = { $date } · { $amount } · { $memo }
wallet-topup = Isi saldo:
wallet-topup-custom = ✏️ Nominal lain
wallet-topup-ask = Ketik nominal isi saldo dalam rupiah (min { $min }, maks { $max }), misalnya 150000.
wallet-topup-invalid = ❌ Nominal harus angka antara { $min } dan { $max }. Coba lagi, atau ketik /cancel.
wallet-topup-created = Isi saldo { $amount } — pesanan { $reference }. Pilih cara bayar:
wallet-topup-too-many = ⏳ Anda masih punya { $max } isi saldo yang belum dibayar. Bayar salah satunya lewat /orders, atau tunggu sampai kedaluwarsa.
ledger-TOPUP = isi saldo
ledger-ORDER_PAYMENT = bayar pesanan
ledger-REFUND = pengembalian dana
ledger-ADJUSTMENT = penyesuaian

# --- Seller review ---
review-new-proof =
    🧾 Bukti transfer baru
    Pesanan: { $reference } ({ $plan })
    Pelanggan: { $customer }
    Jumlah yang harus masuk: { $amount }
review-needed =
    🔎 Pembayaran perlu diperiksa ({ $why })
    Pesanan: { $reference }
    Diterima: { $received } · seharusnya { $expected }
    Gateway: { $gateway }
review-view-proof = 👁 Lihat bukti
review-approve = ✅ Setujui
review-reject = ❌ Tolak
review-approve-confirm = Yakin setujui pembayaran { $amount } untuk { $reference }? Pastikan uangnya sudah masuk ke rekening.
review-approve-yes = ✅ Ya, uang sudah masuk
review-approved = ✅ Disetujui oleh { $seller }.
review-reject-ask = Ketik alasan penolakan untuk { $reference } (dikirim ke pelanggan), atau /cancel.
review-rejected = ❌ Ditolak oleh { $seller }: { $reason }
review-not-possible = Tidak bisa diproses: { $why }
review-only-staff = Hanya penjual yang bisa melakukan ini.
review-refund-wallet = 💸 Kembalikan ke saldo
review-refund-outside = 🏦 Sudah dikembalikan di luar toko
review-refund-choose = Uang yang sedang diperiksa tidak ditolak begitu saja: pilih cara mengembalikannya.
review-refund-ask-wallet = Ketik alasan mengembalikan { $amount } untuk { $reference } ke saldo pelanggan (dikirim ke pelanggan), atau /cancel.
review-refund-ask-outside = Ketik bagaimana { $amount } untuk { $reference } sudah dikembalikan (mis. transfer balik ke rekening pelanggan; dikirim ke pelanggan), atau /cancel.
review-returned-wallet = 💸 { $amount } dikembalikan ke saldo pelanggan oleh { $seller }: { $reason }
review-returned-outside = 🏦 { $amount } ditandai sudah dikembalikan oleh { $seller }: { $reason }
review-reason-timeout = ⌛ Waktu untuk alasan { $reference } habis; tidak ada yang diubah. Tekan tombolnya lagi bila perlu.
hold-owner-notice =
    🚨 { $gateway } mengembalikan dana pesanan { $reference } ({ $amount }) ke pembayar (refund/chargeback).
    Saldo yang dibeli dengan uang itu ditarik kembali: { $reversed }. Saldo pelanggan ditahan; VPS terkait: { $vps } (ditangguhkan).
    Lepaskan penahanan, atau tetap tahan?
hold-release = ✅ Lepaskan
hold-keep = ⏸ Tetap tahan
hold-released = ✅ Penahanan dilepas oleh { $owner }.
hold-kept = ⏸ Penahanan dipertahankan oleh { $owner }.
hold-only-owner = Hanya pemilik toko yang bisa memutuskan ini.

# --- Provisioning ---
provision-progress = ⏳ Menyiapkan VPS… { $seconds } dtk
vps-ready =
    ✅ <b>VPS aktif!</b>
    Paket: { $plan } ({ $specs })
    OS: { $os } · lokasi { $region }
    IP: <code>{ $ip }</code>
    Username: <code>{ $username }</code>
    Password: <tg-spoiler>{ $password }</tg-spoiler>
    Aktif sampai: { $expires }
    ⚠️ Pesan ini terhapus otomatis dalam { $ttl } menit. Simpan password Anda dan segera ganti setelah login.
provision-failed = ⚠️ VPS untuk pesanan { $reference } gagal dibuat. Penjual sudah diberi tahu dan akan mencoba lagi atau mengembalikan dana ke saldo Anda. Anda tidak perlu melakukan apa-apa.
provision-failed-staff =
    🚨 Provisioning gagal: { $reference }
    Penyebab: { $reason }
    Coba lagi (/retry { $reference }) atau kembalikan dana ke saldo pelanggan (/refund { $reference }).
staff-retry = 🔁 Coba lagi
staff-refund = 💸 Refund ke saldo
staff-retry-started = 🔁 Provisioning { $reference } dijalankan lagi (percobaan { $attempt }).
staff-refund-done = 💸 { $amount } dikembalikan ke saldo pelanggan untuk { $reference }.
staff-action-failed = Tidak bisa: { $why }
staff-usage-retry = Pakai: /retry ORD-20261121-XXXXX
staff-usage-refund = Pakai: /refund ORD-20261121-XXXXX
notify-refunded = 💸 Dana pesanan { $reference } sebesar { $amount } dikembalikan ke saldo Anda. Cek di 💰 Saldo.
cmd-retry = Ulangi provisioning yang gagal
cmd-refund = Refund pesanan gagal ke saldo
cmd-vps = VPS saya

# --- VPS self-service ---
vps-list-title = <b>🖥 VPS saya</b>
vps-list-empty = Anda belum punya VPS. Buka 🛒 Katalog VPS untuk memesan.
vps-line = { $label } · { $ip } · { $status } · s.d. { $expires }
vps-status-running = 🟢 menyala
vps-status-off = 🔴 mati
vps-status-provisioning = 🟡 disiapkan
vps-status-rebooting = 🟡 restart
vps-status-deleting = ⚫ dihapus
vps-status-unknown = ⚪ tidak diketahui
vps-status-suspended = ⏸ ditangguhkan (masa aktif habis)
vps-status-deleted = ⚫ sudah dihapus
vps-detail =
    <b>{ $label }</b>
    Status: { $status }
    IP: <code>{ $ip }</code>
    Paket: { $plan } ({ $specs })
    OS: { $os }
    Lokasi: { $region } · { $provider }
    Dibuat: { $created }
    Aktif sampai: <b>{ $expires }</b>
vps-live-unavailable = (status langsung tidak tersedia saat ini)
vps-action-reboot = 🔄 Restart
vps-action-power_off = ⏻ Matikan
vps-action-power_on = ▶️ Nyalakan
vps-action-shutdown = ⏹ Shutdown
vps-action-reset_password = 🔑 Reset password
vps-action-reinstall = ♻️ Install ulang
vps-action-console = 🖥 Konsol
vps-renew = 🔁 Perpanjang
vps-refresh = 🔃 Perbarui
vps-back = ⬅️ Daftar VPS
vps-confirm =
    Yakin { $action } untuk { $label }?
    { $warning }
vps-confirm-yes = ✅ Ya, lanjutkan
vps-warn-reboot = Server akan restart dan koneksi terputus sebentar.
vps-warn-power_off = Server dimatikan paksa; data yang belum tersimpan bisa hilang.
vps-warn-shutdown = Server dimatikan dengan aman.
vps-warn-reset_password = Password root diganti; password lama tidak berlaku lagi.
vps-warn-reinstall = SEMUA DATA di server akan DIHAPUS dan OS di-install ulang.
vps-warn-power_on = Server dinyalakan.
vps-reset-needs-off = Untuk reset password di penyedia ini, matikan VPS dulu (⏻ Matikan), lalu coba lagi.
vps-action-queued = ⏳ { $action } untuk { $label } sedang diproses…
vps-action-busy = ⏳ Masih ada aksi lain yang berjalan untuk VPS ini. Tunggu sampai selesai.
vps-action-done = ✅ { $action } untuk { $label } selesai.
vps-action-failed = ❌ { $action } untuk { $label } gagal: { $reason }
vps-not-yours = VPS tidak ditemukan.
vps-not-active = Aksi ini tidak tersedia karena VPS { $status }.
vps-console-link = 🖥 Konsol untuk { $label }: tautan berlaku sebentar, jangan dibagikan.
vps-new-password =
    🔑 Password baru untuk { $label } (<code>{ $ip }</code>):
    <tg-spoiler>{ $password }</tg-spoiler>
    ⚠️ Pesan ini terhapus otomatis dalam { $ttl } menit.

# --- Lifecycle ---
renew-reminder = ⏰ VPS { $label } ({ $ip }) habis pada { $expires } ({ $days } hari lagi). Perpanjang sekarang agar tidak terhenti.
renew-reminder-auto = ⏰ VPS { $label } habis pada { $expires }. Perpanjangan otomatis dari saldo akan dicoba 1 hari sebelumnya; pastikan saldo cukup ({ $price }).
renew-choose = Perpanjang <b>{ $label }</b> — pilih durasi (dihitung dari masa aktif sekarang, { $expires }):
renew-created = Perpanjangan { $label } { $duration } — pesanan { $reference }, total { $total }.
renew-unavailable = Paket VPS ini tidak lagi dijual untuk perpanjangan. Hubungi penjual.
renew-not-renewable = VPS ini sudah berakhir dan dihapus (atau sedang dihapus), jadi tidak bisa diperpanjang lagi. Silakan pesan VPS baru dari /catalog.
renew-refunded-deleted = ↩️ Pembayaran perpanjangan { $reference } diterima, tetapi { $label } sudah dihapus sebelum perpanjangan berlaku. { $amount } sudah dikembalikan ke saldo Anda (/wallet).
renew-done = ✅ { $label } diperpanjang sampai { $expires }.
renew-auto-done = ✅ { $label } diperpanjang otomatis dari saldo sampai { $expires }.
expiry-grace = ⚠️ Masa aktif { $label } habis pada { $expires }. VPS akan dimatikan pada { $suspendAt } jika belum diperpanjang.
expiry-suspended = ⏸ { $label } dimatikan karena masa aktif habis. Data disimpan sampai { $deleteAt }; perpanjang untuk menyalakannya lagi.
expiry-deleted = 🗑 { $label } dihapus karena tidak diperpanjang sampai { $deleteAt }.
expiry-resumed = ▶️ { $label } dinyalakan lagi setelah perpanjangan.
vps-auto-renew-button-on = 🔁 Perpanjang otomatis: AKTIF
vps-auto-renew-button-off = 🔁 Perpanjang otomatis: NONAKTIF
vps-auto-renew-on = Perpanjangan otomatis dari saldo diaktifkan (1 bulan, sehari sebelum habis, jika saldo cukup).
vps-auto-renew-off = Perpanjangan otomatis dimatikan.

# --- Maintenance mode ---
maintenance-customer =
    🛠 Toko sedang dalam pemeliharaan.

    { $message }
maintenance-default-message = Kami sedang melakukan perbaikan. Silakan coba lagi sebentar lagi.
maintenance-status-on =
    🛠 Mode pemeliharaan: NYALA sejak { $since }.
    Pesan untuk pelanggan: { $message }
maintenance-status-off = 🟢 Mode pemeliharaan: MATI. Pelanggan dilayani seperti biasa.
maintenance-paused-title = Penjualan yang dijeda:
maintenance-paused-line = • { $scope } ({ $reason }) sejak { $since }: { $detail }
maintenance-usage = Pakai: /maintenance on <pesan> · /maintenance off · /maintenance (status)
maintenance-on-done =
    🛠 Mode pemeliharaan NYALA. Staf tetap bisa memakai bot; pelanggan melihat:

    { $preview }
maintenance-off-done = 🟢 Mode pemeliharaan MATI. Pelanggan dilayani lagi.
maintenance-unchanged = (Sudah dalam keadaan itu; tidak ada yang berubah.)
maintenance-button-off = 🟢 Matikan mode pemeliharaan
maintenance-not-allowed = Hanya pemilik toko yang bisa mengubah mode pemeliharaan.
maintenance-too-long = Pesan terlalu panjang (maksimal { $max } karakter).

# --- Prelaunch doctor ---
doctor-running = 🩺 Memeriksa kesiapan peluncuran…
doctor-summary = 🩺 Pemeriksaan pra-peluncuran: { $fail } GAGAL · { $warn } PERINGATAN · { $pass } LULUS

# --- Owner alerts ---
alert-next-step = Langkah berikut
alert-still-happening = Masih terjadi ×{ $count } sejak { $since }
alert-resolved = Selesai: { $title }
alert-summary = Badai peringatan: { $count } peringatan ditahan agar Anda tidak dibanjiri pesan:
alert-summary-next = Semuanya tetap dipantau: Anda menerima "selesai" saat masalahnya hilang. Mulailah dari yang bertanda 🚨.
alert-mute-1h = 🔕 Bisukan 1 jam
alert-mute-24h = 🔕 Bisukan 24 jam
alert-muted-until = 🔕 Dibisukan sampai { $until } oleh { $who }.
alert-mute-done = Dibisukan sampai { $until }.
alert-mute-refused = Hanya pemilik toko yang dapat membisukan peringatan.
alert-mute-gone = Peringatan ini sudah tidak ada.

# --- Backups: /backup, drill report, /restore (backup surfaces) ---
backup-owner-only = Hanya pemilik toko yang bisa melakukan ini.
backup-already-running = ⏳ Sebuah backup sedang berjalan. Tunggu sampai selesai, lalu coba lagi.
backup-step-preparing = 💾 Backup: memulai…
backup-step-dumping = 💾 Backup: membuat dump database…
backup-step-encrypting = 🔐 Backup: mengenkripsi dan membagi menjadi beberapa bagian…
backup-step-sending = 📤 Backup: mengirim bagian { $part }/{ $parts }…
backup-done = ✅ Backup { $backupId } selesai: { $size } dalam { $parts } bagian, { $seconds } dtk. Simpan bagian-bagian dan manifest di atas; hanya kunci rahasia Anda (tidak ada di server) yang bisa membukanya.
backup-failed =
    ❌ Backup gagal: { $error }
    Langkah berikut: perbaiki penyebab di atas lalu kirim /backup lagi; /backup status menunjukkan backup baik terakhir.
backup-never = belum pernah
backup-status-title = 💾 Backup
backup-status-last-good = Backup baik terakhir: { $at } · { $backupId } · { $size } dalam { $parts } bagian · { $seconds } dtk
backup-status-last-good-none = Backup baik terakhir: { $never }
backup-status-last-failed = ⚠️ Backup terakhir GAGAL ({ $at }): { $error }
backup-status-drill-ok = Drill pemulihan terakhir: { $at } ✅ restore OK dalam { $seconds } dtk
backup-status-drill-failed = Drill pemulihan terakhir: { $at } ❌ { $error }
backup-status-drill-none = Drill pemulihan terakhir: { $never }
backup-status-decrypt = Uji dekripsi: { $result }
backup-status-local = Tersimpan di server: { $count } backup, { $size } · salinan S3: { $s3 }
backup-status-schedule = Jadwal (WIB): backup { $backup } · drill { $drill }
backup-drill-ok = ✅ Drill pemulihan: restore OK dalam { $seconds } dtk (backup { $backupId }, { $tables } tabel sama dengan manifest).
backup-drill-differs =
    ❌ Drill pemulihan backup { $backupId } GAGAL setelah { $seconds } dtk: { $error }
    <pre>{ $comparison }</pre>
    Langkah berikut: jangan andalkan backup ini; kirim /backup untuk membuat yang baru dan perhatikan drill berikutnya.
restore-not-allowed = Hanya pemilik toko yang bisa memulihkan backup.
restore-intro =
    ♻️ Pulihkan dari backup lewat chat ini.
    Teruskan (forward) ke saya manifest backup (…manifest.json) dan semua bagiannya (…partNN.bin) sebagai dokumen, urutan bebas. Setiap file saya periksa terhadap manifest saat tiba.
    Tidak ada yang berubah sebelum Anda mengonfirmasi di akhir. /cancel untuk berhenti.
restore-send-documents = Teruskan manifest dan bagian-bagiannya sebagai dokumen (atau /cancel).
restore-file-manifest = 📄 Manifest backup { $backupId } diterima: { $parts } bagian.
restore-file-part-ok = ✅ { $name } diterima dan sama dengan manifest.
restore-file-part-unchecked = 📥 { $name } diterima; saya periksa setelah manifest tiba.
restore-file-altered = ❌ { $name } TIDAK cocok dengan manifest (manifest: { $expected }; diterima: { $got }). File ini tidak disimpan: teruskan bagian yang asli.
restore-file-foreign = ❌ { $name } milik backup lain ({ $backupId }), bukan yang sedang dipulihkan. File ini tidak disimpan.
restore-file-not-backup = ❌ { $name } bukan bagian atau manifest backup. File ini tidak disimpan.
restore-file-too-big = ❌ { $name } berukuran { $size }: bot hanya bisa mengunduh file sampai 20 MB. Pulihkan di server saja: npm run restore (ops/RUNBOOK.md).
restore-file-unavailable = ❌ { $name } tidak bisa diunduh dari Telegram ({ $reason }). Teruskan lagi.
restore-need-manifest = Sudah { $received } bagian diterima; teruskan juga manifest-nya.
restore-files-complete = Semua { $parts } bagian sudah ada dan sama dengan manifest.
restore-files-missing = { $have }/{ $parts } bagian sudah diperiksa. Masih kurang: { $missing }
restore-ask-key =
    🔑 Sekarang tempelkan kunci rahasia backup (BACKUP_SECRET_KEY, dari npm run backup:keygen) untuk kunci { $fingerprint }.
    Pesan Anda langsung saya hapus dan kuncinya hanya saya simpan di memori, untuk pemulihan ini saja.
restore-key-as-text = Tempelkan kunci rahasia sebagai pesan teks (atau /cancel).
restore-key-malformed = Itu bukan kunci rahasia backup (32 byte, base64). Pesan Anda sudah dihapus. Tempelkan lagi kunci untuk { $fingerprint }, atau /cancel.
restore-key-wrong = Kunci itu tidak membuka backup ini (perlu kunci untuk { $fingerprint }). Pesan Anda sudah dihapus. Tempelkan kunci yang benar, atau /cancel.
restore-key-gave-up = Terlalu banyak kunci salah: pemulihan dihentikan dan tidak ada yang berubah.
restore-key-unasked = 🔑 Pesan Anda saya hapus: isinya seperti kunci rahasia backup, yang tidak boleh tersimpan di chat. Tempelkan hanya saat /restore memintanya.
restore-key-expired = kunci rahasia sudah tidak tersimpan (bot dimulai ulang atau waktunya habis); mulai lagi dengan /restore
restore-confirm =
    ⚠️ Ini MENGGANTI semua data toko dengan backup { $backupId } (dibuat { $createdAt }).
    Lebih dulu toko masuk mode pemeliharaan dan backup baru dari data sekarang dikirim ke Anda.
    Untuk lanjut, ketik persis:
    <code>{ $phrase }</code>
restore-confirm-mismatch = Itu bukan konfirmasinya; tidak ada yang berubah. Ketik persis <code>{ $phrase }</code>, atau /cancel.
restore-confirm-gave-up = Konfirmasi tidak cocok: pemulihan dihentikan dan tidak ada yang berubah.
restore-timeout = ⌛ Pemulihan menunggu terlalu lama dan dihentikan. Tidak ada yang berubah.
restore-too-many = Terlalu banyak pesan: pemulihan dihentikan dan tidak ada yang berubah. Mulai lagi dengan /restore.
restore-step-maintenance = 🛠 Mode pemeliharaan aktif: pelanggan menunggu selama toko dipulihkan.
restore-step-backup = 💾 Membuat backup baru dari data sekarang terlebih dulu…
restore-step-restoring = ♻️ Memulihkan backup { $backupId }…
restore-pre-backup-failed = backup baru sebelum pemulihan gagal ({ $error }), jadi tidak ada yang dipulihkan
restore-failed =
    ❌ Pemulihan gagal: { $error }
    Mode pemeliharaan sudah dimatikan lagi. Backup baru sebelumnya: { $preBackupId }.
restore-done =
    ✅ Backup { $backupId } sudah dipulihkan; setiap jumlah baris dan checksum sama dengan manifest. Mode pemeliharaan sudah dimatikan.
    <pre>{ $comparison }</pre>
    Data dari sebelum pemulihan ada di backup { $preBackupId } (dikirim di atas).
restore-mismatch =
    ⚠️ Backup { $backupId } sudah dipulihkan, tetapi hasilnya BERBEDA dari manifest. Mode pemeliharaan sudah dimatikan.
    <pre>{ $comparison }</pre>
    Data dari sebelum pemulihan ada di backup { $preBackupId } (dikirim di atas); baca ops/RUNBOOK.md sebelum melanjutkan.

# --- VPS actions: refused or interrupted ---
vps-action-refused-suspended = VPS sedang ditangguhkan, jadi aksi yang masih antre dibatalkan. Perpanjang dulu agar VPS aktif kembali.
vps-action-refused-held = VPS sedang ditahan menunggu keputusan pemilik toko atas pembayaran yang dikembalikan, jadi aksi yang masih antre dibatalkan.
vps-action-refused-deleted = VPS sudah dihapus (masa aktif habis), jadi aksi yang masih antre dibatalkan.
vps-action-refused-not_active = VPS sedang tidak aktif, jadi aksi yang masih antre dibatalkan.
vps-action-interrupted = aksi terhenti di tengah jalan dan tidak bisa diselesaikan. Silakan coba lagi dari menu VPS.

# --- Payments: gateway refunds under review, ended challenges, staff retries (H8) ---
notify-payment-refunded-review = 💸 Pembayaran { $amount } untuk pesanan { $reference } dikembalikan oleh gateway pembayaran sebelum penjual memeriksanya. Pesanan itu tidak diproses.
review-challenge-ended = ℹ️ { $gateway } menolak (atau membiarkan kedaluwarsa) pembayaran yang ditahan untuk pemeriksaan fraud pada pesanan { $reference }. Uangnya tidak pernah diterima; tidak ada yang perlu diputuskan, tombol pemeriksaan sebelumnya tidak berlaku lagi.
staff-retry-not-queued = ⚠️ Percobaan ulang pesanan { $reference } tercatat, tetapi antrean pekerjaan belum menerimanya. Pekerjaan itu dimulai dalam sekitar satu menit setelah antrean kembali; jika tidak, kirim /retry lagi.

# --- New-user polish: role-based /help, wallet balance at payment (H11) ---
help-commands-title = Perintah yang tersedia untuk Anda:
pay-option-wallet-balance = 💰 Saldo { $balance } · bayar { $total }
pay-option-wallet-short = 💰 Saldo { $balance } · kurang untuk { $total }

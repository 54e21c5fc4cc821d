# Salinan email (bot/features/email-settings*.ts, shop/email/) — awalan email-.

# /settings → layar email
email-settings-btn-none = 📧 Salinan email: mati
email-settings-btn-set = 📧 Email: { $email }
email-title = 📧 <b>Salinan email</b>
email-explain = Dengan alamat yang sudah dikonfirmasi, pemberitahuan ini juga dikirim lewat email: pembayaran diterima (dengan faktur PDF), VPS aktif, VPS gagal dibuat, VPS segera habis. Password VPS tidak pernah dikirim lewat email.
email-state-none = Belum ada alamat email.
email-state-confirmed = Alamat terkonfirmasi: <b>{ $email }</b> (sejak { $since }).
email-state-pending = ⏳ Menunggu kode yang dikirim ke <b>{ $email }</b> (berlaku sampai { $until }).
email-btn-add = ➕ Tambah alamat email
email-btn-change = ✏️ Ganti alamat
email-btn-enter-code = 🔢 Masukkan kode
email-btn-resend = 🔁 Kirim kode baru
email-btn-remove = 🗑 Hapus alamat
email-btn-remove-confirm = 🗑 Ya, hapus
email-btn-back = ⬅️ Kembali ke pengaturan
email-btn-cancel = ✖️ Batal
email-remove-ask = Hapus <b>{ $email }</b>? Anda tidak akan menerima salinan email lagi.
email-removed = 🗑 { $email } dihapus. Anda tidak akan menerima salinan email lagi.
email-nothing-to-remove = Tidak ada alamat untuk dihapus.
email-disabled = Salinan email tidak tersedia di toko ini.

# Alur alamat dan kode
email-ask-address = Ketik alamat email Anda (misalnya <code>nama@contoh.com</code>). Kami akan mengirim kode 6 angka untuk konfirmasi.
email-bad-address = Itu bukan alamat email. Ketik seperti <code>nama@contoh.com</code>.
email-too-long = Alamat terlalu panjang (paling banyak { $max } karakter).
email-same-address = { $email } sudah menjadi alamat terkonfirmasi Anda.
email-code-sent = ✉️ Kode 6 angka sudah dikirim ke <b>{ $email }</b>. Ketik kodenya di sini (berlaku { $minutes } menit). Tidak ada email? Periksa folder spam.
email-ask-code = Ketik kode 6 angka dari email.
email-code-wrong = ❌ Kode salah. Sisa { $left } kali percobaan.
email-code-locked = ❌ Terlalu banyak kode salah. Kode ini tidak berlaku lagi; minta kode baru.
email-code-expired = ⌛ Kode ini sudah kedaluwarsa atau diganti. Minta kode baru.
email-confirmed = ✅ { $email } terkonfirmasi. Pemberitahuan pembayaran, faktur, dan pemberitahuan VPS juga dikirim ke sana.
email-wait = Tunggu { $seconds } detik sebelum meminta kode lagi.
email-too-many = Terlalu banyak kode dalam satu jam terakhir. Silakan coba lagi nanti.
email-send-failed = ⚠️ Email tidak bisa dikirim sekarang. Periksa alamatnya atau coba lagi beberapa menit lagi.
email-no-pending = Tidak ada kode yang sedang berjalan. Tambahkan alamatnya lagi.
email-cancelled = Dibatalkan. Tidak ada yang diubah.
email-gave-up = Terlalu banyak percobaan; pengaturan email dihentikan. Buka /settings untuk mulai lagi.

# Email berisi kode
email-code-subject = { $code } adalah kode konfirmasi { $shop } Anda
email-code-body =
    Kode konfirmasi Anda untuk { $shop }: { $code }
    Ketik kode ini di chat Telegram dengan bot. Berlaku { $minutes } menit.
    Jika Anda tidak memintanya, abaikan email ini: tanpa kode tidak ada yang berubah.
email-code-footer = Email ini dikirim karena alamat ini diketik di bot Telegram { $shop }.

# Salinan email dari pemberitahuan pelanggan (shop/email/deliver.ts): teksnya sama dengan di chat.
email-subject-order-paid = Pembayaran diterima — pesanan { $reference }
email-subject-vps-active = VPS { $label } Anda sudah aktif
email-subject-provision-failed = Pesanan { $reference }: VPS gagal dibuat
email-subject-vps-expiring = VPS { $label } habis pada { $expires }
email-next-provision = VPS Anda sedang disiapkan otomatis; detail login hanya dikirim di chat Telegram.
email-vps-login-note = 🔐 Password root hanya dikirim di chat Telegram, tidak pernah lewat email.
email-footer = Anda menerima email ini karena mengonfirmasi alamat ini di bot Telegram { $shop }. Untuk berhenti, hapus alamat di /settings.

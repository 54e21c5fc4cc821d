# Customers console (/customer) — helper D's keys, prefix cust-.

cust-usage = Cari pelanggan: /customer @username, /customer <id Telegram> atau /customer <nama>.
cust-none-found = Tidak ada pelanggan yang cocok dengan "{ $query }".
cust-many-found = Beberapa pelanggan cocok dengan "{ $query }" — pilih satu:
cust-not-found = Pelanggan ini tidak ditemukan.
cust-not-allowed = Anda tidak lagi punya izin untuk tindakan ini. Tidak ada yang diubah.

cust-card-title = 👤 { $name } · { $username } · ID { $telegramId }
cust-card-since = Sejak { $date } · peran { $role } · bahasa { $language }
cust-card-banned = ⛔ Diblokir sejak { $date } oleh { $by } — alasan: { $reason }
cust-card-not-banned = Status: aktif (tidak diblokir)
cust-card-tier = Tier reseller: { $tier }
cust-card-wallet = Saldo: { $balance }
cust-card-wallet-held = ⚠️ Saldo ditahan: { $reason }
cust-card-orders = 🧾 Pesanan: { $total } ({ $counts })
cust-card-vps = 🖥 VPS aktif: { $live }
cust-card-vps-until = s.d. { $date }

cust-btn-ledger = 📒 Riwayat saldo
cust-btn-ban = 🚫 Blokir
cust-btn-unban = ✅ Buka blokir
cust-btn-tier = 🏷 Tier reseller
cust-btn-adjust = 💰 Koreksi saldo
cust-btn-message = ✉️ Kirim pesan
cust-btn-back = ⬅️ Kembali

cust-ledger-title = 📒 Riwayat saldo { $name } — halaman { $page }/{ $pages } ({ $total } baris)
cust-ledger-empty = Belum ada transaksi saldo.

cust-tier-pick = Pilih tier reseller untuk { $name }:
cust-tier-none = Tanpa tier
cust-tier-set = ✅ Tier reseller diganti.
cust-tier-unchanged = Tier reseller sudah seperti itu; tidak ada yang diubah.
cust-tier-refused-not_found = Pelanggan ini tidak ditemukan.
cust-tier-refused-tier_not_found = Tier itu tidak ada atau tidak aktif lagi.

cust-ask-ban = Tulis alasan memblokir { $name } (3–500 karakter). Ketik /cancel untuk batal.
cust-ask-unban = Tulis alasan membuka blokir { $name } (3–500 karakter). Ketik /cancel untuk batal.
cust-ask-wallet =
    Koreksi saldo { $name }: tulis jumlah dengan tanda + atau −, lalu alasannya.
    Contoh: +50000 kompensasi gangguan   atau   -20000 koreksi salah input
    Ketik /cancel untuk batal.
cust-ask-message = Tulis pesan untuk { $name } (maks. 3000 karakter). Pesan dikirim atas nama toko setelah Anda menekan tombol konfirmasi. Ketik /cancel untuk batal.
cust-input-timeout = Waktu menjawab sudah habis; tidak ada yang diubah. Buka /customer lagi bila perlu.
cust-input-gave-up = Tiga jawaban tidak bisa dipakai; langkah ini dihentikan dan tidak ada yang diubah.
cust-reason-invalid = Alasan harus 3–500 karakter. Coba lagi.
cust-message-invalid = Pesan tidak boleh kosong dan maksimal 3000 karakter. Coba lagi.
cust-adjust-format = Formatnya: +50000 alasan  atau  -20000 alasan. Coba lagi.
cust-adjust-zero = Jumlahnya tidak boleh nol. Coba lagi.
cust-adjust-too_large = Jumlahnya terlalu besar (maks. Rp 50.000.000 sekali koreksi). Coba lagi.
cust-adjust-reason = Alasan harus 3–500 karakter. Coba lagi.

cust-banned = ⛔ { $name } diblokir. Mereka tidak bisa lagi berbelanja atau memakai menu toko.
cust-unbanned = ✅ Blokir { $name } dibuka.
cust-ban-already = { $name } sudah diblokir; tidak ada yang diubah.
cust-unban-already = { $name } tidak sedang diblokir; tidak ada yang diubah.
cust-ban-refused-not_found = Pelanggan ini tidak ditemukan.
cust-ban-refused-self = Anda tidak bisa memblokir diri sendiri.
cust-ban-refused-owner = Pemilik toko tidak bisa diblokir dari chat.
cust-ban-refused-staff = Hanya pemilik yang bisa memblokir atau membuka blokir anggota staf.
cust-banned-notice = ⛔ Akun Anda diblokir oleh toko, jadi Anda tidak bisa berbelanja atau memakai menu. Hubungi penjual jika menurut Anda ini keliru.

cust-adjust-confirm =
    Koreksi saldo { $name }: { $amount }
    Alasan: { $reason }
    Saldo sekarang { $before } → sesudahnya { $after }.
    Tekan tombol untuk menjalankan.
cust-adjust-yes = ✅ Jalankan koreksi
cust-adjust-done = ✅ Saldo dikoreksi { $amount }: { $before } → { $after }.
cust-adjust-below-zero = Ditolak: saldo hanya { $balance }, tidak bisa dikurangi { $amount } (saldo tidak boleh di bawah nol). Tidak ada yang diubah.
cust-adjust-self = Anda tidak bisa mengoreksi saldo Anda sendiri.

cust-message-confirm =
    Pesan untuk { $name }:

    { $text }

    Tekan tombol untuk mengirim.
cust-message-yes = ✉️ Kirim
cust-message-sent = ✅ Pesan masuk antrean pengiriman.

cust-draft-done = Ini sudah dijalankan sebelumnya; tidak dijalankan dua kali.
cust-draft-not_found = Draf ini tidak ditemukan.
cust-draft-not_yours = Draf ini dibuat oleh anggota staf lain; hanya pembuatnya yang bisa menjalankannya.

cust-shop-message =
    ✉️ Pesan dari toko:

    { $text }

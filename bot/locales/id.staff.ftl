# Staff console (/staff) and the staff command menu

cmd-pending = Antrean yang menunggu staf
cmd-order = Cari dan buka pesanan
cmd-customer = Cari pelanggan
cmd-shop = Kelola katalog dan rekening bank
cmd-coupons = Kelola kupon
cmd-staff = Kelola staf dan peran
cmd-invoices = Riwayat invoice

stf-list-title = 👥 Staf toko
stf-list-line = { $icon } { $name } ({ $username }) — { $role } · { $source }
stf-source-config = dari konfigurasi
stf-source-chat = ditambah lewat chat
stf-btn-add = ➕ Tambah staf
stf-btn-roles = 🎭 Peran
stf-btn-back = ⬅️ Kembali
stf-btn-remove = 🗑 Cabut akses staf
stf-btn-remove-confirm = ✅ Ya, cabut aksesnya
stf-btn-new-role = ➕ Peran baru
stf-btn-delete-role = 🗑 Hapus peran ini
stf-member-card =
    👤 { $name } ({ $username }, id { $id })
    Peran: { $role }
    Izin:
    { $permissions }

    Pilih peran untuknya:
stf-role-none = tidak ada (bukan staf)
stf-no-permissions = (tidak ada)
stf-roles-title = 🎭 Peran staf (🔒 bawaan, tidak bisa diubah)
stf-role-card =
    🎭 Peran { $name } · { $members } anggota
    Izin:
    { $permissions }

    Ketuk izin untuk menambah atau melepasnya (hanya izin yang Anda miliki):
stf-role-card-locked =
    🎭 Peran { $name } · { $members } anggota
    Izin:
    { $permissions }
stf-add-prompt = Teruskan (forward) satu pesan dari orang itu, atau kirim @username atau id Telegram-nya. /cancel untuk batal.
stf-role-name-prompt = Kirim nama peran baru (huruf, angka, spasi, - atau _; maks. 32). /cancel untuk batal.
stf-add-hidden = Orang itu menyembunyikan akunnya saat pesan diteruskan. Kirim @username atau id Telegram-nya.
stf-add-unknown-input = Itu bukan pesan yang diteruskan, @username, atau id. Ketuk "➕ Tambah staf" lagi untuk mencoba.
stf-add-unknown-username = Username itu belum pernah membuka bot ini. Minta dia mengirim /start dulu, atau kirim id Telegram-nya.
stf-add-pick-role = Menambahkan { $name } sebagai staf.
stf-assigned = ✅ Peran diberikan: { $role }. Berlaku pada ketukan berikutnya.
stf-removed = ✅ Akses staf dicabut. Tombol lama di chat-nya tidak lagi berfungsi.
stf-remove-confirm = Cabut semua akses staf { $name }?
stf-role-deleted = Peran { $name } dihapus.
stf-told-role = 👥 Anda sekarang staf toko dengan peran "{ $role }". Ketik /help untuk melihat perintah Anda.
stf-told-removed = 👥 Akses staf Anda di toko ini telah dicabut.
stf-refused-not-allowed = Anda tidak berhak mengelola staf.
stf-refused-owner = Pemilik toko tidak bisa diubah lewat chat.
stf-refused-self = Anda tidak bisa mengubah peran Anda sendiri.
stf-refused-exceeds = Anda tidak bisa memberi izin yang tidak Anda miliki.
stf-refused-stronger = Anggota ini memiliki izin yang tidak Anda miliki; hanya pemilik yang bisa mengubahnya.
stf-refused-unknown-role = Peran itu sudah tidak ada.
stf-refused-unknown-user = Pengguna itu tidak ditemukan.
stf-refused-built-in = Peran bawaan tidak bisa diubah atau dihapus. Buat peran baru.
stf-refused-in-use = Peran ini masih dipakai anggota; pindahkan mereka dulu.
stf-refused-unchanged = Tidak ada yang berubah: dia sudah memiliki peran itu.
stf-refused-bad-name = Nama peran tidak valid (huruf, angka, spasi, - atau _; maks. 32).
stf-refused-taken = Nama peran itu sudah dipakai.

stf-perm-payments-review = Periksa pembayaran
stf-perm-provisioning-retry = Ulangi pembuatan VPS
stf-perm-orders-refund = Refund ke saldo
stf-perm-stats-view = Lihat statistik
stf-perm-service-health = Kesehatan layanan
stf-perm-alerts-receive = Terima peringatan pemilik
stf-perm-backups-run = Jalankan backup
stf-perm-backups-restore = Pulihkan backup
stf-perm-maintenance-manage = Mode pemeliharaan
stf-perm-service-doctor = Jalankan doctor
stf-perm-orders-view = Lihat pesanan
stf-perm-orders-manage = Kelola pesanan
stf-perm-catalog-manage = Kelola katalog
stf-perm-coupons-manage = Kelola kupon
stf-perm-customers-view = Lihat pelanggan
stf-perm-customers-manage = Kelola pelanggan
stf-perm-wallet-adjust = Sesuaikan saldo
stf-perm-broadcast-send = Kirim broadcast
stf-perm-staff-manage = Kelola staf
stf-add-not-a-person = Pesan itu diteruskan dari grup atau channel, bukan dari orang. Teruskan pesan dari orangnya, atau kirim @username atau id Telegram-nya.
stf-perm-payments-holds = Putuskan penahanan dana (refund/chargeback)

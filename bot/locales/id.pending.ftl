# --- Pending queue (/pending) ---
pend-title = 📋 Antrean tindakan staf: { $count } menunggu (halaman { $page }/{ $pages }, terlama dulu)
pend-empty = ✅ Tidak ada yang menunggu. Semua bukti transfer, pembayaran yang diperiksa, dan provisioning sudah ditangani.
pend-line = { $n }. { $icon } { $reference } · { $amount } · { $age }{ $flag }
pend-flag-deadline = {" "}· ⏰ batas bayar dekat
pend-kind-proof = 🧾
pend-kind-review = 🔎
pend-kind-prov-failed = ⚠️
pend-kind-prov-stuck = ⏳
pend-prev = ◀️ Sebelumnya
pend-next = Berikutnya ▶️
pend-refresh = 🔄 Muat ulang
pend-gone = Item ini sudah tidak ada.
pend-age = { $unit ->
    [m] { $value } mnt
    [h] { $value } jam
   *[d] { $value } hari
}

pend-card-proof =
    🧾 Bukti transfer: { $reference } ({ $plan })
    Pelanggan: { $customer }
    Jumlah yang harus masuk: { $amount }
    Menunggu: { $age }
pend-card-deadline = ⏰ Batas bayar: { $deadline }
pend-card-late = ⌛ Pesanan sudah { $status }: bila disetujui, uangnya masuk pemeriksaan (pembayaran terlambat).
pend-card-review =
    🔎 Pembayaran perlu diperiksa: { $reference } ({ $why })
    Pelanggan: { $customer }
    Diterima: { $received } · seharusnya { $expected }
    Gateway: { $gateway }
    Menunggu: { $age }
pend-card-prov-failed =
    ⚠️ Provisioning gagal: { $reference } ({ $plan })
    Pelanggan: { $customer }
    Dibayar: { $amount } · percobaan: { $attempts }
    Galat terakhir: { $error }
    Menunggu: { $age }
pend-card-prov-stuck =
    ⏳ Provisioning macet: { $reference } ({ $plan })
    Pelanggan: { $customer }
    Dibayar: { $amount } · percobaan: { $attempts }
    Galat terakhir: { $error }
    Tidak bergerak sejak: { $age }

pend-two-person = 👥 Di atas { $limit }: perlu persetujuan dua staf yang berbeda.
pend-half = 🟡 Disetujui 1/2 oleh { $name } { $time } — menunggu staf kedua.
pend-first-approval = 🟡 Persetujuan pertama Anda untuk { $amount } tercatat (1/2). Staf lain harus menyetujui juga sebelum pesanan lunas.
pend-same-member = Anda sudah memberi persetujuan pertama. Persetujuan kedua harus dari staf lain.
pend-already-handled = Sudah ditangani oleh { $name } { $time }.

pend-done-approved = ✅ Disetujui oleh { $name } { $time }
pend-done-rejected = ❌ Ditolak oleh { $name } { $time }
pend-done-refunded-wallet = 💸 Dikembalikan ke saldo oleh { $name } { $time }
pend-done-refunded-outside = 🏦 Ditandai dikembalikan di luar toko oleh { $name } { $time }
pend-done-retried = 🔁 Dicoba lagi oleh { $name } { $time }
pend-done-refunded = 💸 Di-refund ke saldo oleh { $name } { $time }
pend-done-handled = ✔️ Sudah ditangani oleh { $name } { $time }
pend-done-gone = ✔️ Sudah tidak menunggu tindakan.

pend-remind =
    ⏰ { $count } item menunggu lebih dari { $minutes } menit:
    { $lines }
pend-open-queue = 📋 Buka antrean
pend-markpaid-first = 🟡 Tanda lunas Anda untuk { $amount } tercatat (1/2). Staf lain harus menandai lunas juga (dengan alasan) sebelum pesanan lunas.

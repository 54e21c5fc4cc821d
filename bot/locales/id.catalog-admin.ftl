# Katalog, kupon dan rekening bank dari chat (/shop, /coupons) — staf dengan izin katalog/kupon.

cat-adm-home = 🛠 <b>Katalog toko</b>
    Pilih provider untuk mengatur paketnya, atau rekening bank untuk transfer manual. Perubahan langsung terlihat oleh pembeli.
cat-adm-banks = 🏦 Rekening bank
cat-adm-coupons = 🎟 Kupon
cat-adm-on = aktif
cat-adm-off = nonaktif
cat-adm-none = —
cat-adm-all = semua
cat-adm-yes = Ya
cat-adm-no = Tidak
cat-adm-saved = ✅ Tersimpan.
cat-adm-invalid = Nilai itu tidak bisa dipakai. Tidak ada yang diubah.
cat-adm-not-found = Data ini sudah tidak ada. Tidak ada yang diubah.
cat-adm-cloud-error = Daftar dari { $provider } tidak bisa dibaca sekarang ({ $code }). Coba lagi sebentar lagi; tidak ada yang diubah.
cat-adm-cloud-missing = Provider { $provider } belum dikonfigurasi (token API kosong).

cat-adm-provider = <b>{ $name }</b> — { $status }
    { $plans } paket. Ketuk paket untuk mengubah harga, stok dan lainnya.
cat-adm-provider-on = ✅ Aktifkan provider
cat-adm-provider-off = ⛔ Nonaktifkan provider
cat-adm-stock-short = stok { $stock }
cat-adm-stock-unlimited = tanpa batas
cat-adm-plan-new = ➕ Paket baru dari daftar provider

cat-adm-plan = <b>{ $name }</b> ({ $code }) — { $status }
    { $provider } · { $region } · { $size }
    { $vcpu } vCPU · RAM { $ram } · SSD { $disk } GB · transfer { $bandwidth }
    Stok: { $stock }

    <b>Harga</b>
    { $prices }
    <b>Harga reseller</b>
    { $resellers }
    <b>Promo</b>
    { $promos }
    <b>OS</b>: { $images }
cat-adm-price-edit = ✏️ { $months } bln
cat-adm-price-off = ⛔ Matikan { $months } bln
cat-adm-price-on = ✅ Hidupkan { $months } bln
cat-adm-price-add = ➕ Durasi
cat-adm-reseller = 💼 Harga reseller
cat-adm-stock = 📦 Stok
cat-adm-plan-on = ✅ Aktifkan paket
cat-adm-plan-off = ⛔ Nonaktifkan paket
cat-adm-promos = 🏷 Promo
cat-adm-images = 💿 OS
cat-adm-rename = ✏️ Nama
cat-adm-bandwidth = 📶 Transfer
cat-adm-plan-created = ✅ Paket dibuat (masih nonaktif). Tambahkan harga dan OS, lalu aktifkan.
cat-adm-plan-exists = Paket untuk ukuran dan lokasi ini sudah ada:
cat-adm-size-gone = Ukuran ini tidak lagi ditawarkan provider di lokasi itu. Tidak ada yang dibuat.
cat-adm-pick-region = Paket baru di { $provider } — pilih lokasi (daftar langsung dari provider):
cat-adm-pick-size = Pilih ukuran yang tersedia di { $region }:
cat-adm-no-sizes = Provider tidak menawarkan ukuran apa pun di lokasi ini sekarang.

cat-adm-reseller-title = Harga reseller untuk <b>{ $name }</b>. Ketuk untuk mengubah; lewati untuk menghapus (reseller membayar harga umum).
cat-adm-reseller-no-tiers = Belum ada tingkat reseller.
cat-adm-promos-title = Promo <b>{ $name }</b>: { $count } berjalan atau terjadwal.
cat-adm-promo-end = ⛔ Akhiri “{ $label }”
cat-adm-promo-new = ➕ Promo baru
cat-adm-images-title = OS untuk <b>{ $name }</b>: { $count }. Ketuk untuk melepas.
cat-adm-image-remove = ✖️ { $name }
cat-adm-image-add = ➕ Tambah dari daftar provider
cat-adm-pick-image = Pilih OS untuk <b>{ $name }</b> (daftar langsung dari provider):

cat-adm-form-skip = ⏭ Lewati
cat-adm-form-cancel = ✖️ Batal
cat-adm-form-save = ✅ Simpan
cat-adm-form-cancelled = Dibatalkan. Tidak ada yang diubah.
cat-adm-form-stale = Isian ini sudah tidak berlaku.
cat-adm-form-use-buttons = Silakan pilih salah satu tombol.
cat-adm-bad-not_amount = Tulis nominal rupiah dengan angka, misalnya 75000 atau 75.000.
cat-adm-bad-amount_range = Nominal harus antara Rp 1 dan Rp 1.000.000.000.
cat-adm-bad-not_number = Tulis angka bulat, misalnya 5.
cat-adm-bad-number_range = Angka itu di luar batas yang boleh.
cat-adm-bad-not_date = Tulis tanggal seperti 2026-12-31 atau 2026-12-31 18:30 (WIB).
cat-adm-bad-not_text = Tulis teks biasa.
cat-adm-bad-text_long = Teks itu terlalu panjang.
cat-adm-bad-not_list = Tulis daftar dipisah koma, misalnya 1, 3, 12.
cat-adm-bad-not_code = Kode: 3–32 huruf, angka, - atau _.

cat-adm-ask-price = Harga baru dalam rupiah?
cat-adm-ask-price-for = Harga baru untuk { $months } bulan, dalam rupiah?
cat-adm-ask-months = Durasi berapa bulan (1–36)?
cat-adm-ask-reseller = Harga { $tier } untuk { $months } bulan, dalam rupiah? (Lewati = hapus harga reseller ini.)
cat-adm-ask-stock = Stok sekarang: { $now }. Stok berapa unit? Tulis angka, atau pilih tanpa batas.
    Untuk menghentikan penjualan, matikan paketnya (⛔) — unit yang dipegang pesanan belum dibayar kembali ke stok saat pesanan itu kedaluwarsa.
cat-adm-stock-changed = Stok berubah sementara itu (ada yang terjual atau kembali), sekarang { $stock }. Tidak ada yang diubah — atur lagi?
cat-adm-ask-name = Nama paket yang dilihat pembeli?
cat-adm-ask-bandwidth = Transfer per bulan dalam GB (mis. 1000)?
cat-adm-ask-promo-label = Nama promo yang dilihat pembeli (mis. Harbolnas 12.12)?
cat-adm-ask-kind = Jenis potongan?
cat-adm-kind-percent = Persen (%)
cat-adm-kind-fixed = Nominal (Rp)
cat-adm-ask-value-percent = Potongan berapa persen (1–99)?
cat-adm-ask-value-fixed = Potongan berapa rupiah?
cat-adm-ask-cap = Potongan paling banyak berapa rupiah? (Lewati = tanpa batas.)
cat-adm-ask-promo-months = Hanya untuk durasi berapa bulan? (Lewati = semua durasi.)
cat-adm-ask-starts = Mulai kapan? Tulis tanggal (2026-12-12 atau 2026-12-12 00:00, WIB) atau pilih sekarang.
cat-adm-now = Sekarang
cat-adm-ask-ends = Berakhir kapan? Tanggal saja = sampai akhir hari itu (WIB).
cat-adm-promo-confirm = Promo baru:
    <b>{ $label }</b> — potongan { $discount }, maks. { $cap }
    Durasi: { $months } · { $starts } – { $ends }
    Harga:
    { $prices }
cat-adm-promo-preview = { $months } bln: { $before } → <b>{ $after }</b>
cat-adm-promo-bad-value = Potongan tidak valid (persen 1–99, atau nominal lebih dari 0).
cat-adm-promo-bad-free = Potongan ini sama dengan atau lebih dari harga paket (termurah), jadi paket akan gratis. Promo tidak disimpan — periksa nominalnya.
cat-adm-promo-bad-cap = Batas potongan tidak valid.
cat-adm-promo-bad-duration = Durasi tidak valid.
cat-adm-promo-bad-window = Waktu berakhir harus setelah waktu mulai. Tidak ada yang disimpan.
cat-adm-promo-bad-label = Nama promo tidak valid.

cat-adm-coupons-title = 🎟 <b>Kupon</b> — { $count } kupon (halaman { $page }/{ $pages }). Angka terakhir: dipakai/batas.
cat-adm-coupon-new = ➕ Kupon baru
cat-adm-coupon-off = ⛔ Nonaktifkan
cat-adm-coupon-on = ✅ Aktifkan
cat-adm-coupon-redemptions = 👥 Pemakai
cat-adm-coupon-card = <b>{ $code }</b> — { $status }
    Potongan { $discount } · maks. { $cap } · min. belanja { $min }
    Berlaku { $from } – { $to }
    Dipakai { $used } dari { $limit } · per pembeli { $perUser } · hanya pesanan pertama: { $first }
    Paket: { $plans } · durasi: { $durations }
    Dikembalikan (pesanan tidak dibayar): { $released } · total potongan: { $given }
cat-adm-redemptions = Pemakai kupon <b>{ $code }</b> ({ $total }):
    { $lines }
cat-adm-released = dikembalikan
cat-adm-ask-coupon-code = Kode kupon (3–32 huruf/angka, mis. HEMAT20)?
cat-adm-ask-min = Minimal belanja berapa rupiah? (Lewati = tanpa minimal.)
cat-adm-ask-from = Berlaku mulai kapan (2026-12-01, WIB)? (Lewati = mulai sekarang.)
cat-adm-ask-to = Berlaku sampai kapan? Tanggal saja = sampai akhir hari itu. (Lewati = tanpa akhir.)
cat-adm-ask-limit = Boleh dipakai berapa kali total? (Lewati = tanpa batas.)
cat-adm-ask-per-user = Berapa kali per pembeli? (Lewati = tanpa batas.)
cat-adm-ask-first = Hanya untuk pesanan pertama pembeli?
cat-adm-ask-plans = Hanya untuk paket tertentu? Tulis kode paket dipisah koma. (Lewati = semua paket.)
cat-adm-ask-durations = Hanya untuk durasi tertentu (bulan, mis. 3, 12)? (Lewati = semua durasi.)
cat-adm-coupon-confirm = Kupon baru <b>{ $code }</b>:
    Potongan { $discount } · maks. { $cap } · min. belanja { $min }
    Berlaku { $from } – { $to }
    Batas { $limit } · per pembeli { $perUser } · hanya pesanan pertama: { $first }
    Paket: { $plans } · durasi: { $durations }
cat-adm-coupon-free-warning = ⚠️ Potongan ini sama dengan atau lebih dari harga termurah yang dikenainya ({ $cheapest }): paket itu jadi GRATIS. Periksa nominalnya sebelum menyimpan.
cat-adm-coupon-created = ✅ Kupon dibuat.
cat-adm-coupon-bad-plans = Kode paket tidak dikenal: { $codes }. Kupon tidak dibuat.
cat-adm-coupon-bad-code = Kode kupon tidak valid. Kupon tidak dibuat.
cat-adm-coupon-bad-value = Potongan tidak valid. Kupon tidak dibuat.
cat-adm-coupon-bad-cap = Batas potongan tidak valid. Kupon tidak dibuat.
cat-adm-coupon-bad-min = Minimal belanja tidak valid. Kupon tidak dibuat.
cat-adm-coupon-bad-window = Tanggal berakhir harus setelah tanggal mulai. Kupon tidak dibuat.
cat-adm-coupon-bad-limit = Batas pemakaian tidak valid. Kupon tidak dibuat.
cat-adm-coupon-bad-duplicate = Kode itu sudah dipakai kupon lain. Kupon tidak dibuat.
cat-adm-coupon-bad-unknown_plan = Ada paket yang tidak dikenal. Kupon tidak dibuat.

cat-adm-banks-title = 🏦 <b>Rekening untuk transfer manual</b> (urutan yang dilihat pembeli). Ketuk rekening untuk mengaktifkan/menonaktifkan.
    { $lines }
cat-adm-bank-new = ➕ Rekening baru
cat-adm-ask-bank = Nama bank (mis. BCA)?
cat-adm-ask-account = Nomor rekening (angka saja)?
cat-adm-ask-holder = Atas nama?
cat-adm-bank-bad-duplicate = Rekening itu sudah ada. Tidak ada yang ditambahkan.
cat-adm-bank-bad-invalid = Data rekening tidak valid. Tidak ada yang ditambahkan.

# Reseller: label pesanan (klien atau proyek), pesanan per label, riwayat faktur.
rsl-no-label = (tanpa label)
rsl-label-line = 🏷 { $label }
rsl-label-add = 🏷 Tambah label (klien/proyek)
rsl-label-change = 🏷 Ubah label
rsl-label-remove = 🏷 Hapus label
rsl-label-summary = Label: <b>{ $label }</b>
rsl-label-ask = 🏷 Kirim label untuk pesanan ini: nama klien atau proyeknya (maksimal { $max } karakter, huruf, angka, spasi dan . , - _ &amp; ( ) # / + ' @).
rsl-label-cancel = ✖️ Batal
rsl-label-cancelled = Label tidak diubah.
rsl-label-bad-empty = ❌ Label kosong. Kirim nama maksimal { $max } karakter.
rsl-label-bad-too_long = ❌ Label terlalu panjang: maksimal { $max } karakter.
rsl-label-bad-bad_chars = ❌ Label hanya boleh berisi huruf, angka, spasi dan . , - _ &amp; ( ) # / + ' @.
rsl-label-saved = ✅ Pesanan { $reference } diberi label <b>{ $label }</b>.
rsl-label-cleared = Label pesanan { $reference } dihapus.
rsl-open-order = 🧾 Buka pesanan
rsl-by-label = 🏷 Pesanan per label
rsl-all-labels = 🏷 Semua label
rsl-groups-title = <b>🏷 Pesanan per label</b>
rsl-groups-empty = Anda belum punya pesanan VPS, jadi belum ada label.
rsl-group-line = { $label } — { $orders } pesanan
rsl-group-button = { $label } ({ $orders })
rsl-group-title = <b>🏷 { $label }</b> — { $orders } pesanan
rsl-invoices-title = <b>📄 Faktur</b>
rsl-invoices-empty = Belum ada faktur: faktur dibuat saat pesanan dibayar.
rsl-invoice-line = { $reference } · { $what } · { $total } · dibayar { $date }
rsl-invoice-topup = Isi saldo
rsl-invoice-button = 📄 { $reference }
rsl-invoice-not-found = Faktur tidak ditemukan.
rsl-invoice-open = 📄 Faktur
rsl-qty-button = { $quantity } × VPS
rsl-qty-total = <b>Total: { $quantity } × { $unit } = { $amount }</b>
rsl-qty-coupon-dropped = ℹ️ Kupon hanya untuk satu VPS, jadi dilepas untuk pesanan beberapa VPS.
rsl-qty-created =
    ✅ { $quantity } pesanan dibuat, satu per VPS:
    { $refs }
    Total { $total }. Bayar sebelum { $deadline }: sekaligus dari saldo, atau satu per satu lewat 🧾 Pesanan saya.
rsl-qty-pay-all = 💰 Bayar semua dari saldo
rsl-qty-pay-confirm =
    💰 Bayar { $quantity } pesanan dari saldo?
    { $refs }
    Total { $total } · saldo { $balance } → { $after }
rsl-qty-pay-short =
    ❌ Saldo tidak cukup untuk { $quantity } pesanan:
    { $refs }
    Total { $total }, saldo { $balance }. Isi saldo lewat 💰 Saldo, atau bayar satu per satu lewat 🧾 Pesanan saya.
rsl-qty-pay-yes = ✅ Bayar semua
rsl-qty-paid =
    ✅ { $quantity } pesanan dibayar ({ $total }):
    { $refs }
    Saldo Anda sekarang { $balance }. VPS sedang disiapkan; data login dikirim ke sini.
rsl-qty-nothing-to-pay = Pesanan ini tidak lagi menunggu pembayaran.
rsl-qty-unavailable = ⛔ Paket ini sedang tidak bisa dibeli (habis, dinonaktifkan atau dijeda), jadi tidak ada pesanan yang dibayar. Saldo Anda tidak berubah.
rsl-qty-not-payable = ⛔ Salah satu pesanan ini sudah tidak bisa dibayar (batas waktu pembayarannya lewat), jadi tidak ada yang dibayar. Saldo Anda tidak berubah.
rsl-qty-reseller-only = Beberapa VPS dalam satu checkout hanya untuk reseller. Jumlah kembali ke 1; periksa ringkasan dan konfirmasi lagi.

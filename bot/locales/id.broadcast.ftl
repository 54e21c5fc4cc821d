# Broadcast progress and report (shop/broadcasts/progress.ts) and the promo footer — the core's keys.
bc-progress-title = 📣 Siaran #{ $id } · { $kind } · { $status }
bc-status-draft = draf
bc-status-scheduled = dijadwalkan
bc-status-sending = sedang dikirim
bc-status-paused = dijeda
bc-status-done = selesai
bc-status-cancelled = dibatalkan
bc-kind-promo = promo
bc-kind-service = pengumuman layanan
bc-progress-scheduled = 🕒 Dikirim pada { $time }
bc-progress-counts =
    ✅ Terkirim: { $sent } dari { $total }
    🚫 Memblokir bot / akun terhapus: { $blocked }
    ⚠️ Gagal: { $failed }
    ❔ Tidak pasti: { $uncertain }
    ⏳ Sisa: { $remaining }
bc-progress-rate = ⚡ { $rate } pesan/detik · perkiraan selesai dalam { $eta }
bc-progress-starting = ⚡ Memulai…
bc-progress-hold = ⏸ Telegram meminta jeda: semua pengiriman berhenti { $seconds } detik, lalu lanjut sendiri.
bc-progress-paused-reason = Dijeda otomatis: { $reason }
bc-progress-done = ⏱ Waktu kirim: { $duration }
bc-progress-uncertain-note = ❔ "Tidak pasti": pekerja berhenti saat pesan itu sedang dikirim. Telegram mungkin sudah menyampaikannya, jadi tidak dikirim ulang — tidak ada yang menerima siaran dua kali.
bc-progress-unsending = 🗑 Menarik siaran: { $deleted } dihapus, { $left } lagi…
bc-progress-unsent = 🗑 Siaran ditarik: { $deleted } pesan dihapus.
bc-progress-skipped = ⏭ Dilewati saat gilirannya (berhenti promo, diblokir, atau memblokir bot): { $skipped }
bc-progress-undeletable = ({ $count } pesan tidak bisa dihapus: chat sudah dihapus pelanggan atau lebih dari 48 jam.)
bc-btn-pause = ⏸ Jeda
bc-btn-resume = ▶️ Lanjutkan
bc-btn-cancel = ✖️ Batalkan
bc-btn-unsend = 🗑 Tarik siaran (hapus pesan)
bc-btn-resend-uncertain = 🔁 Kirim ke { $count } yang tidak pasti
bc-promo-footer = — Tidak ingin menerima promo? Ketik /settings

# --- UI ---
# /broadcast chat screens (bot/features/broadcast/) — helper UI's keys.

cmd-broadcast = Kirim siaran ke pelanggan

bc-menu-title = 📣 Siaran — buat promo atau pengumuman layanan, atau buka siaran terakhir:
bc-menu-empty = Belum ada siaran.
bc-recent-line = #{ $id } · { $kind } · { $status } · { $date }
bc-btn-new-promo = 📣 Promo baru
bc-btn-new-service = 🛠 Pengumuman layanan baru
bc-btn-menu = 📋 Daftar siaran
bc-btn-back = ⬅️ Kembali

bc-ask-compose = Kirim pesan siarannya sekarang: teks (tebal, miring, tautan, dsb. ikut terkirim persis), atau foto dengan keterangan. Tombol, penerima dan jadwal diatur setelahnya. /cancel untuk batal.
bc-ask-button = Kirim tombol tautan dalam satu baris: Label | https://contoh.com
bc-ask-days = VPS yang berakhir dalam berapa hari? Kirim angka 1–{ $max }.
bc-ask-schedule = Kapan dikirim (WIB)? Contoh: 2026-12-24 09:00, 24/12 09:00, besok 09:00 atau hari ini 18:00.
bc-input-timeout = Langkah ini sudah kedaluwarsa; tidak ada yang diubah. Buka lagi lewat /broadcast.
bc-input-gave-up = Terlalu banyak jawaban yang tidak bisa dipakai; tidak ada yang diubah. Coba lagi dari kartu draf.
bc-not-allowed = Anda tidak lagi punya izin mengirim siaran. Tidak ada yang diubah.

bc-content-empty = Pesannya kosong. Kirim teks, atau foto dengan keterangan.
bc-content-too_long = Pesannya terlalu panjang: teks maks. { $text } karakter, keterangan foto maks. { $caption }.
bc-content-too_many_buttons = Maksimal { $max } tombol per siaran. Hapus tombol (🧹) untuk mulai lagi.
bc-content-bad_url = Tautan tombol tidak valid (harus https://, http:// atau tg://).
bc-content-bad_button = Label tombol kosong atau terlalu panjang (maks. { $label } karakter).
bc-button-invalid = Formatnya: Label | https://contoh.com (label maks. { $label } karakter, tautan https://, http:// atau tg://).
bc-days-invalid = Kirim angka hari antara 1 dan { $max }.
bc-schedule-format = Waktunya tidak terbaca. Contoh: 2026-12-24 09:00, 24/12 09:00, besok 09:00.
bc-schedule-past = Waktu itu sudah lewat. Pilih waktu yang akan datang (WIB).

bc-done-compose = ✅ Draf dibuat.
bc-done-button = ✅ Tombol ditambahkan.
bc-done-buttons-cleared = ✅ Semua tombol dihapus.
bc-done-days = ✅ Penerima diatur.
bc-done-audience = ✅ Penerima: { $audience }
bc-done-schedule = ✅ Jadwal diatur.
bc-done-schedule-cleared = ✅ Jadwal dihapus: dikirim segera setelah dikonfirmasi.

bc-draft-title = 📝 Draf siaran #{ $id } · { $kind }
bc-draft-audience = 👥 Penerima: { $audience } — { $count } orang
bc-draft-audience-none = 👥 Penerima: belum dipilih
bc-draft-buttons = 🔘 Tombol: { $buttons }
bc-draft-buttons-none = 🔘 Tombol: tidak ada
bc-draft-schedule = 🕒 Jadwal: { $at }
bc-draft-schedule-now = 🕒 Jadwal: dikirim segera setelah dikonfirmasi
bc-draft-paid-on = ⭐ Siaran berbayar: aktif (± { $stars } Star untuk { $count } pesan)
bc-draft-paid-off = ⭐ Siaran berbayar: mati
bc-draft-promo-note = ℹ️ Promo: pelanggan yang mematikan promo di /settings tidak menerimanya.
bc-draft-service-note = ℹ️ Pengumuman layanan: sampai ke semua pelanggan yang dipilih, termasuk yang mematikan promo.
bc-draft-photo = 🖼 Dengan foto
bc-draft-no-text = (tanpa keterangan)
bc-button-catalog-target = katalog
bc-catalog-button-label = 🛍 Lihat katalog

bc-btn-audience = 👥 Penerima
bc-btn-preview = 👁 Pratinjau
bc-btn-add-url = 🔗 Tambah tombol tautan
bc-btn-add-catalog = 🛍 Tambah tombol katalog
bc-btn-clear-buttons = 🧹 Hapus tombol
bc-btn-schedule = 🕒 Jadwalkan
bc-btn-clear-schedule = ✖️ Hapus jadwal
bc-btn-paid-off = ⭐ Berbayar: mati
bc-btn-paid-on = ⭐ Berbayar: aktif
bc-btn-paid-confirm = ⭐ Aktifkan siaran berbayar
bc-btn-send = 🚀 Kirim
bc-btn-discard = 🗑 Buang draf
bc-btn-confirm = ✅ Ya, kirim
bc-btn-cancel-confirm = ⛔ Ya, batalkan siaran
bc-btn-unsend-confirm = 🗑 Ya, tarik pesan

bc-aud-title = 👥 Siaran #{ $id } — kirim ke siapa?
bc-aud-provider-title = 👥 Siaran #{ $id } — pelanggan provider mana?
bc-aud-none = belum dipilih
bc-aud-ALL = Semua pelanggan
bc-aud-ACTIVE_VPS = Pelanggan dengan VPS aktif
bc-aud-EXPIRING = VPS berakhir dalam { $days } hari
bc-aud-NO_ORDER = Pelanggan yang belum pernah membeli
bc-aud-RESELLERS = Reseller
bc-aud-PROVIDER = Pelanggan { $provider }
bc-aud-btn-expiring = VPS segera berakhir (N hari)…
bc-aud-btn-provider = Pelanggan satu provider…

bc-preview-sent = Pratinjau dikirim ke chat ini.
bc-preview-failed = Pratinjau gagal dikirim (Telegram menolak pesannya). Periksa tautan dan fotonya.
bc-paid-estimate = ⭐ Siaran berbayar #{ $id }: Telegram mengirim lebih cepat (hingga 1000 pesan/detik) dengan biaya 0,1 Star per pesan, dibayar dari saldo Star bot. Perkiraan untuk { $count } penerima saat ini: ± { $stars } Star.
bc-confirm-now = Kirim ke { $count } penerima sekarang?
bc-confirm-scheduled = Jadwalkan untuk { $at } ke { $count } penerima (dihitung ulang saat dikirim)?
bc-confirm-details = Siaran #{ $id } · { $kind } · { $audience }
bc-confirm-paid = ⭐ Berbayar: ± { $stars } Star.
bc-placeholder = ⏳ Siaran #{ $id } dimulai…
bc-started = 🚀 Siaran #{ $id } berjalan ke { $count } penerima. Kemajuannya ada di pesan berikut.
bc-started-scheduled = 🕒 Siaran #{ $id } dijadwalkan ({ $count } penerima saat ini). Kemajuannya ada di pesan berikut.
bc-already-started = Siaran ini sudah dimulai — tidak dikirim dua kali.
bc-not-now = Tidak bisa sekarang: siaran berstatus { $status }.
bc-cancelled = ⛔ Siaran dibatalkan. Yang belum menerima tidak akan menerimanya.
bc-ask-cancel-confirm = Batalkan siaran #{ $id }? Yang sudah terkirim ({ $sent }) tetap; sisanya tidak dikirim.
bc-ask-unsend-confirm = Tarik siaran #{ $id }? { $sent } pesan yang terkirim akan dihapus dari chat pelanggan (hanya dalam 48 jam).
bc-unsending = 🗑 Menghapus { $count } pesan terkirim…

bc-refused-not_found = Siaran ini tidak ditemukan.
bc-refused-not_draft = Siaran ini bukan draf lagi; tidak bisa diubah.
bc-refused-owner_only = Hanya pemilik toko yang bisa mengatur siaran berbayar.
bc-refused-invalid = Isi atau pilihan siaran tidak valid.
bc-refused-no_audience = Pilih penerima dulu (👥 Penerima).
bc-refused-no_recipients = Tidak ada penerima untuk pilihan ini.
bc-refused-schedule_past = Jadwalnya sudah lewat; atur ulang jadwal atau hapus.
bc-unsend-refused-not_found = Siaran ini tidak ditemukan.
bc-unsend-refused-too_old = Lewat 48 jam: Telegram tidak lagi mengizinkan pesan ini dihapus.
bc-unsend-refused-nothing_sent = Belum ada pesan terkirim untuk ditarik.
bc-unsend-refused-already = Siaran ini sudah ditarik.
bc-unsend-refused-running = Siaran masih berjalan: jeda atau batalkan dulu.
bc-btn-resend-confirm = 🔁 Ya, kirim ke mereka
bc-ask-resend-confirm = Kirim siaran #{ $id } ke { $uncertain } penerima yang "tidak pasti"? Pesan mereka sedang dikirim saat pekerja berhenti: sebagian mungkin sudah menerimanya dan akan menerimanya dua kali.
bc-resending = 🔁 Mengirim ke { $count } penerima yang tidak pasti…
bc-resend-refused-not_found = Siaran ini tidak ditemukan.
bc-resend-refused-none = Tidak ada yang bisa dikirim ulang: hanya siaran yang sudah selesai dan punya penerima tidak pasti.
bc-resend-refused-running = Siaran belum selesai: kirim ke penerima tidak pasti setelah siaran selesai.
bc-resend-refused-unsent = Siaran ini sudah ditarik.
bc-confirm-refused-owner_only = Ini siaran berbayar (memakai Star bot): hanya pemilik toko yang bisa mengirimnya. Minta pemilik mengirimnya, atau mematikan mode berbayar.
bc-resume-refused-unsent = Siaran ini sudah ditarik: tidak bisa dilanjutkan.
bc-ask-unsend-paused = Siaran sedang dijeda: menariknya juga membatalkannya, jadi sisanya tidak akan dikirim.
bc-unsend-cancelled = ⛔ Siaran yang dijeda juga dibatalkan: sisanya tidak akan dikirim.

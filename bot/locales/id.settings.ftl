# Customer /settings (bot/features/settings.feature.ts) — helper UI's keys, prefix settings-.

cmd-settings = Pengaturan (pesan promo, bahasa)

settings-title = ⚙️ Pengaturan
settings-promo-state-on = 🔔 Pesan promo: aktif — Anda menerima info promo dan diskon dari toko.
settings-promo-state-off = 🔕 Pesan promo: mati — Anda tidak menerima pesan promo.
settings-service-note = Pengumuman layanan (pemeliharaan, gangguan, hal penting tentang VPS Anda) tetap dikirim walaupun promo dimatikan.
settings-btn-promo-off = 🔕 Matikan pesan promo
settings-btn-promo-on = 🔔 Nyalakan pesan promo
settings-btn-language = 🌐 Ganti bahasa
settings-promo-turned-off = Pesan promo dimatikan.
settings-promo-turned-on = Pesan promo dinyalakan.

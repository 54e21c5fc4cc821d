# Customer /settings (bot/features/settings.feature.ts) — helper UI's keys, prefix settings-.

cmd-settings = Settings (promo messages, language)

settings-title = ⚙️ Settings
settings-promo-state-on = 🔔 Promo messages: on — you get the shop's promos and discounts.
settings-promo-state-off = 🔕 Promo messages: off — you get no promo messages.
settings-service-note = Service announcements (maintenance, outages, important news about your VPS) still reach you with promos off.
settings-btn-promo-off = 🔕 Turn promo messages off
settings-btn-promo-on = 🔔 Turn promo messages on
settings-btn-language = 🌐 Change language
settings-promo-turned-off = Promo messages turned off.
settings-promo-turned-on = Promo messages turned on.

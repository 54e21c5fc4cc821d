# Mini App (webhooks/miniapp): the bot's buttons that open it.

menu-open-app = 📱 Buka aplikasi
miniapp-menu-button = Aplikasi

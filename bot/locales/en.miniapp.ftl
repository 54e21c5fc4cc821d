# Mini App (webhooks/miniapp): the bot's buttons that open it.

menu-open-app = 📱 Open app
miniapp-menu-button = App

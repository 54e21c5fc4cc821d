# English — switchable with /language.

start-greeting =
    Hi, { $name }! 👋
    Welcome to { $shop }.
    Buy a DigitalOcean, Vultr or Linode VPS priced in rupiah, pay by QRIS, virtual account, e-wallet or bank transfer, then manage the server right here in the chat.
main-menu-title = Main menu — pick one:
menu-catalog = 🛒 VPS catalog
menu-orders = 🧾 My orders
menu-vps = 🖥 My VPS
menu-wallet = 💰 Balance
menu-language = 🌐 Bahasa / Language
menu-help = ❓ Help

help-text =
    Available commands:
    /start — main menu
    /language — change language
    /help — this help
    /cancel — cancel the current step

language-prompt = Choose your language:
language-changed = Language switched to English. 🇬🇧
language-pick-hint = Please tap one of the language buttons above, or type /cancel.

cancelled = Cancelled. Type /start to go back to the main menu.
nothing-to-cancel = There is nothing to cancel.
unknown-input = Sorry, I didn't get that. Type /start to open the menu.
stale-button = This button has expired. Here is the latest view.
error-generic = Sorry, something went wrong on our side. Please try again in a moment. (ref: { $ref })
rate-limited = Easy there 🙂 You are sending too many messages. Please try again in a few seconds.
blocked-user = Your account is restricted. Contact the seller if you think this is a mistake.

cmd-start = Main menu
cmd-help = Help
cmd-language = Change language
cmd-cancel = Cancel the current step
cmd-stats = Shop statistics
cmd-health = Service health

stats-text =
    📊 Shop statistics
    Users: { $users } (new today: { $newUsers })
    Revenue today: { $revenueToday }
    Revenue last 30 days: { $revenue30 }
    Orders by status:
    { $orders }
stats-no-orders = (no orders yet)
health-text =
    🩺 Service health
    PostgreSQL: { $postgres }
    Redis: { $redis }
    Queues (waiting / failed):
    { $queues }
health-ok = OK ({ $ms } ms)
health-fail = FAILING — { $error }

# Bahasa Indonesia — the default language of the shop.

start-greeting =
    Halo, { $name }! 👋
    Selamat datang di { $shop }.
    Beli VPS DigitalOcean, Vultr atau Linode dengan harga rupiah, bayar lewat QRIS, VA, e-wallet atau transfer bank, lalu kelola servernya langsung dari chat ini.
main-menu-title = Menu utama — pilih salah satu:
menu-catalog = 🛒 Katalog VPS
menu-orders = 🧾 Pesanan saya
menu-vps = 🖥 VPS saya
menu-wallet = 💰 Saldo
menu-language = 🌐 Bahasa / Language
menu-help = ❓ Bantuan

help-text =
    Perintah yang tersedia:
    /start — menu utama
    /language — ganti bahasa
    /help — bantuan ini
    /cancel — batalkan langkah yang sedang berjalan

language-prompt = Pilih bahasa yang Anda inginkan:
language-changed = Bahasa diganti ke Bahasa Indonesia. 🇮🇩
language-pick-hint = Silakan pilih salah satu tombol bahasa di atas, atau ketik /cancel.

cancelled = Dibatalkan. Ketik /start untuk kembali ke menu utama.
nothing-to-cancel = Tidak ada langkah yang sedang berjalan.
unknown-input = Maaf, saya tidak mengerti. Ketik /start untuk membuka menu.
stale-button = Tombol ini sudah tidak berlaku. Berikut tampilan terbaru.
error-generic = Maaf, terjadi kesalahan di sisi kami. Silakan coba lagi sebentar lagi. (kode: { $ref })
rate-limited = Pelan-pelan ya 🙂 Anda mengirim terlalu banyak pesan. Coba lagi dalam beberapa detik.
blocked-user = Akun Anda sedang dibatasi. Hubungi penjual jika menurut Anda ini keliru.

cmd-start = Menu utama
cmd-help = Bantuan
cmd-language = Ganti bahasa
cmd-cancel = Batalkan langkah saat ini
cmd-stats = Statistik toko
cmd-health = Kesehatan layanan

stats-text =
    📊 Statistik toko
    Pengguna: { $users } (baru hari ini: { $newUsers })
    Pendapatan hari ini: { $revenueToday }
    Pendapatan 30 hari: { $revenue30 }
    Pesanan per status:
    { $orders }
stats-no-orders = (belum ada pesanan)
health-text =
    🩺 Kesehatan layanan
    PostgreSQL: { $postgres }
    Redis: { $redis }
    Antrean (menunggu / gagal):
    { $queues }
health-ok = OK ({ $ms } md)
health-fail = GAGAL — { $error }

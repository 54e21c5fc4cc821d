# API reseller (/apikeys): kunci dengan cakupan, URL webhook dan rahasia tanda tangannya.
cmd-apikeys = Kunci API dan webhook (reseller)
api-resellers-only = 🔑 API toko ini untuk reseller. Minta toko menjadikan akun Anda akun reseller.
api-title = <b>🔑 Kunci API</b>
api-no-keys = Anda belum punya kunci API.
api-key-line = • <code>{ $prefix }</code> { $name } — { $scopes } — terakhir dipakai: { $used }
api-key-line-revoked = • <s><code>{ $prefix }</code> { $name }</s> — dicabut
api-key-never-used = belum pernah
api-webhook-none = 🔔 Webhook: belum diatur.
api-webhook-on = 🔔 Webhook: { $url }
api-webhook-off = 🔔 Webhook: { $url } (mati)
api-webhook-how = Untuk mengatur, kirim <code>/apikeys webhook https://server-anda/path</code>; <code>/apikeys webhook off</code> mematikannya.
api-docs-hint = 📖 Referensi: { $docs }
api-btn-new = ➕ Kunci baru
api-btn-revoke = 🗑 Cabut { $prefix }
api-btn-rotate = 🔄 Rahasia webhook baru
api-btn-webhook-off = 🔕 Matikan webhook
api-btn-create = ✅ Buat kunci
api-btn-back = ⬅️ Kembali
api-btn-saved = ✅ Sudah saya simpan
api-btn-revoke-yes = 🗑 Ya, cabut
api-btn-rotate-yes = 🔄 Ya, buat rahasia baru
api-new-title = <b>➕ Kunci API baru</b>
    Centang apa yang boleh dilakukan kunci ini:
api-scope-read = read (katalog, pesanan, VPS, invoice)
api-scope-order = order (pesan dibayar dari saldo, webhook)
api-scope-vps = vps (restart, power, instal ulang…)
api-key-created = ✅ Kunci API baru Anda ({ $scopes }):

    <code>{ $key }</code>

    Salin sekarang: kunci hanya ditampilkan sekali ini dan toko hanya menyimpan sidik jarinya. Kirim sebagai <code>Authorization: Bearer …</code>.
api-create-refused-not_reseller = API hanya untuk reseller.
api-create-refused-banned = Akun Anda tidak dapat memakai toko.
api-create-refused-too_many = Paling banyak { $max } kunci sekaligus: cabut satu dulu.
api-create-refused-bad_scopes = Centang paling sedikit satu cakupan.
api-create-refused-bad_name = Nama kunci tidak valid.
api-revoke-confirm = Cabut kunci <code>{ $prefix }</code> ({ $name })? Program yang memakainya langsung berhenti bekerja.
api-key-already-made = Layar ini sudah membuat kuncinya: buka /apikeys untuk kunci baru.
api-key-revoked = Kunci { $prefix } dicabut.
api-key-gone = Kunci ini sudah dicabut atau bukan milik Anda.
api-rotate-confirm = Buat rahasia tanda tangan webhook baru? Rahasia lama langsung tidak berlaku.
api-webhook-saved = ✅ Webhook diatur: { $url }
api-webhook-secret = 🔐 Rahasia tanda tangan (hanya ditampilkan sekali ini; periksa <code>X-Shop-Signature</code> dengannya):

    <code>{ $secret }</code>
api-webhook-turned-off = 🔕 Webhook dimatikan.
api-webhook-bad-invalid = ❌ Itu bukan alamat web (https://…, tanpa nama pengguna atau kata sandi).
api-webhook-bad-not_https = ❌ Alamat webhook harus diawali https://
api-webhook-bad-private_host = ❌ Alamat itu menunjuk ke jaringan privat atau lokal.
api-webhook-bad-unresolvable = ❌ Nama host itu tidak ditemukan.

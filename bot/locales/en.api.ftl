# Reseller API (/apikeys): keys with scopes, the webhook URL and its signing secret.
cmd-apikeys = API keys and webhook (resellers)
api-resellers-only = 🔑 The shop's API is for resellers. Ask the shop to make your account a reseller account.
api-title = <b>🔑 API keys</b>
api-no-keys = You have no API keys yet.
api-key-line = • <code>{ $prefix }</code> { $name } — { $scopes } — last used: { $used }
api-key-line-revoked = • <s><code>{ $prefix }</code> { $name }</s> — revoked
api-key-never-used = never
api-webhook-none = 🔔 Webhook: not set.
api-webhook-on = 🔔 Webhook: { $url }
api-webhook-off = 🔔 Webhook: { $url } (off)
api-webhook-how = To set it, send <code>/apikeys webhook https://your-server/path</code>; <code>/apikeys webhook off</code> switches it off.
api-docs-hint = 📖 Reference: { $docs }
api-btn-new = ➕ New key
api-btn-revoke = 🗑 Revoke { $prefix }
api-btn-rotate = 🔄 New webhook secret
api-btn-webhook-off = 🔕 Webhook off
api-btn-create = ✅ Create the key
api-btn-back = ⬅️ Back
api-btn-saved = ✅ I saved it
api-btn-revoke-yes = 🗑 Yes, revoke
api-btn-rotate-yes = 🔄 Yes, make a new secret
api-new-title = <b>➕ New API key</b>
    Tick what the key may do:
api-scope-read = read (catalog, orders, VPS, invoices)
api-scope-order = order (place orders paid from your balance, webhook)
api-scope-vps = vps (reboot, power, reinstall…)
api-key-created = ✅ Your new API key ({ $scopes }):

    <code>{ $key }</code>

    Copy it now: it is shown this once and the shop keeps only a fingerprint of it. Send it as <code>Authorization: Bearer …</code>.
api-create-refused-not_reseller = The API is for resellers only.
api-create-refused-banned = Your account cannot use the shop.
api-create-refused-too_many = At most { $max } keys at once: revoke one first.
api-create-refused-bad_scopes = Tick at least one scope.
api-create-refused-bad_name = The key's name is not valid.
api-revoke-confirm = Revoke key <code>{ $prefix }</code> ({ $name })? Programs using it stop working at once.
api-key-already-made = This screen already made its key: open /apikeys for a new one.
api-key-revoked = Key { $prefix } revoked.
api-key-gone = This key is already revoked or not yours.
api-rotate-confirm = Make a new webhook signing secret? The old one stops working at once.
api-webhook-saved = ✅ Webhook set: { $url }
api-webhook-secret = 🔐 Signing secret (shown this once; check <code>X-Shop-Signature</code> with it):

    <code>{ $secret }</code>
api-webhook-turned-off = 🔕 Webhook switched off.
api-webhook-bad-invalid = ❌ That is not a web address (https://…, without a user name or password).
api-webhook-bad-not_https = ❌ The webhook address must start with https://
api-webhook-bad-private_host = ❌ That address points at a private or local network.
api-webhook-bad-unresolvable = ❌ That host name cannot be found.

# Email copies (bot/features/email-settings*.ts, shop/email/) — prefix email-.

# /settings → email screen
email-settings-btn-none = 📧 Email copies: off
email-settings-btn-set = 📧 Email: { $email }
email-title = 📧 <b>Email copies</b>
email-explain = With a confirmed address, these also arrive by email: payment received (with the invoice PDF), VPS active, VPS could not be created, VPS expiring soon. Your VPS password is never emailed.
email-state-none = No email address yet.
email-state-confirmed = Confirmed address: <b>{ $email }</b> (since { $since }).
email-state-pending = ⏳ Waiting for the code sent to <b>{ $email }</b> (valid until { $until }).
email-btn-add = ➕ Add an email address
email-btn-change = ✏️ Change the address
email-btn-enter-code = 🔢 Enter the code
email-btn-resend = 🔁 Send a new code
email-btn-remove = 🗑 Remove the address
email-btn-remove-confirm = 🗑 Yes, remove it
email-btn-back = ⬅️ Back to settings
email-btn-cancel = ✖️ Cancel
email-remove-ask = Remove <b>{ $email }</b>? You will no longer get email copies.
email-removed = 🗑 { $email } removed. You will no longer get email copies.
email-nothing-to-remove = There is no address to remove.
email-disabled = Email copies are not available in this shop.

# The address and code flow
email-ask-address = Type your email address (for example <code>name@example.com</code>). We will email you a 6-digit code to confirm it.
email-bad-address = That does not look like an email address. Type it like <code>name@example.com</code>.
email-too-long = That address is too long (at most { $max } characters).
email-same-address = { $email } is already your confirmed address.
email-code-sent = ✉️ We sent a 6-digit code to <b>{ $email }</b>. Type it here (valid for { $minutes } minutes). No email? Check the spam folder.
email-ask-code = Type the 6-digit code from the email.
email-code-wrong = ❌ Wrong code. { $left } { $left ->
    [one] try
   *[other] tries
} left.
email-code-locked = ❌ Too many wrong codes. This code no longer works; ask for a new one.
email-code-expired = ⌛ This code has expired or was replaced. Ask for a new one.
email-confirmed = ✅ { $email } confirmed. Payment notices, invoices and VPS notices will also arrive there.
email-wait = Please wait { $seconds } s before asking for another code.
email-too-many = Too many codes in the last hour. Please try again later.
email-send-failed = ⚠️ The email could not be sent right now. Check the address or try again in a few minutes.
email-no-pending = There is no code in progress. Add the address again.
email-cancelled = Cancelled. Nothing was changed.
email-gave-up = Too many tries; the email setup has ended. Open /settings to start again.

# The code email
email-code-subject = { $code } is your { $shop } confirmation code
email-code-body =
    Your confirmation code for { $shop }: { $code }
    Type it in the Telegram chat with the bot. It is valid for { $minutes } minutes.
    If you did not ask for it, ignore this email: without the code nothing changes.
email-code-footer = This email was sent because this address was typed in { $shop }'s Telegram bot.

# Email copies of customer notices (shop/email/deliver.ts): the text is the chat's own.
email-subject-order-paid = Payment received — order { $reference }
email-subject-vps-active = Your VPS { $label } is active
email-subject-provision-failed = Order { $reference }: the VPS could not be created
email-subject-vps-expiring = VPS { $label } expires on { $expires }
email-next-provision = Your VPS is being set up automatically; the login details arrive in the Telegram chat only.
email-vps-login-note = 🔐 The root password is sent only in the Telegram chat, never by email.
email-footer = You get this email because you confirmed this address in { $shop }'s Telegram bot. To stop these emails, remove the address in /settings.

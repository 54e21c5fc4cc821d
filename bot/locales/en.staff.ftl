# Staff console (/staff) and the staff command menu

cmd-pending = What is waiting for staff
cmd-order = Find and open an order
cmd-customer = Look up a customer
cmd-shop = Manage the catalog and bank accounts
cmd-coupons = Manage coupons
cmd-staff = Manage staff and roles
cmd-invoices = Invoice history

stf-list-title = 👥 Shop staff
stf-list-line = { $icon } { $name } ({ $username }) — { $role } · { $source }
stf-source-config = from the configuration
stf-source-chat = added in the chat
stf-btn-add = ➕ Add staff
stf-btn-roles = 🎭 Roles
stf-btn-back = ⬅️ Back
stf-btn-remove = 🗑 Remove staff access
stf-btn-remove-confirm = ✅ Yes, remove access
stf-btn-new-role = ➕ New role
stf-btn-delete-role = 🗑 Delete this role
stf-member-card =
    👤 { $name } ({ $username }, id { $id })
    Role: { $role }
    Permissions:
    { $permissions }

    Pick a role for them:
stf-role-none = none (not staff)
stf-no-permissions = (none)
stf-roles-title = 🎭 Staff roles (🔒 built-in, cannot be changed)
stf-role-card =
    🎭 Role { $name } · { $members } members
    Permissions:
    { $permissions }

    Tap a permission to add or remove it (only those you hold):
stf-role-card-locked =
    🎭 Role { $name } · { $members } members
    Permissions:
    { $permissions }
stf-add-prompt = Forward one message from that person, or send their @username or Telegram id. /cancel to stop.
stf-role-name-prompt = Send the new role's name (letters, digits, spaces, - or _; up to 32). /cancel to stop.
stf-add-hidden = That person hides their account in forwarded messages. Send their @username or Telegram id.
stf-add-unknown-input = That is not a forwarded message, an @username or an id. Tap "➕ Add staff" again to retry.
stf-add-unknown-username = That username has never opened this bot. Ask them to send /start first, or send their Telegram id.
stf-add-pick-role = Adding { $name } as staff.
stf-assigned = ✅ Role given: { $role }. It applies from their next tap.
stf-removed = ✅ Staff access removed. Old buttons in their chat no longer work.
stf-remove-confirm = Remove all staff access of { $name }?
stf-role-deleted = Role { $name } deleted.
stf-told-role = 👥 You are now shop staff with the role "{ $role }". Type /help to see your commands.
stf-told-removed = 👥 Your staff access to this shop has been removed.
stf-refused-not-allowed = You may not manage staff.
stf-refused-owner = The shop owner cannot be changed from the chat.
stf-refused-self = You cannot change your own role.
stf-refused-exceeds = You cannot grant a permission you do not hold.
stf-refused-stronger = This member holds permissions you do not; only the owner can change them.
stf-refused-unknown-role = That role no longer exists.
stf-refused-unknown-user = That user was not found.
stf-refused-built-in = Built-in roles cannot be changed or deleted. Create a new role.
stf-refused-in-use = Members still hold this role; move them first.
stf-refused-unchanged = Nothing changed: they already have that role.
stf-refused-bad-name = Invalid role name (letters, digits, spaces, - or _; up to 32).
stf-refused-taken = That role name is taken.

stf-perm-payments-review = Review payments
stf-perm-provisioning-retry = Retry provisioning
stf-perm-orders-refund = Refund to wallet
stf-perm-stats-view = View stats
stf-perm-service-health = Service health
stf-perm-alerts-receive = Receive owner alerts
stf-perm-backups-run = Run backups
stf-perm-backups-restore = Restore backups
stf-perm-maintenance-manage = Maintenance mode
stf-perm-service-doctor = Run the doctor
stf-perm-orders-view = View orders
stf-perm-orders-manage = Manage orders
stf-perm-catalog-manage = Manage the catalog
stf-perm-coupons-manage = Manage coupons
stf-perm-customers-view = View customers
stf-perm-customers-manage = Manage customers
stf-perm-wallet-adjust = Adjust wallets
stf-perm-broadcast-send = Send broadcasts
stf-perm-staff-manage = Manage staff
stf-add-not-a-person = That message was forwarded from a group or channel, not from a person. Forward one from the person, or send their @username or Telegram id.
stf-perm-payments-holds = Decide refund/chargeback holds

import { can, type Permission } from "../../shop/users/staff.js";
import type { ShopUser } from "../../shop/users/directory.js";
import type { BotContext } from "../context.js";

/** One Postgres read per update, however many staff filters the update meets. */
const freshUsers = new WeakMap<BotContext, Promise<ShopUser>>();

function freshUser(ctx: BotContext): Promise<ShopUser> {
  let user = freshUsers.get(ctx);
  if (!user) {
    user = ctx.deps.users.fresh(ctx.from!).then((u) => (ctx.shopUser = u));
    freshUsers.set(ctx, user);
  }
  return user;
}

/**
 * The filter in front of every staff command and staff button: checked on the
 * server at each tap against the user as Postgres has them now (roles follow the
 * config, a blocked user has no power), not against a cached copy, so a seller
 * removed from SELLER_IDS cannot use a button still sitting in their chat.
 * A cached copy that already says no answers without a database read.
 * On success `ctx.shopUser` holds the fresh user.
 */
export function allowedTo(permission: Permission) {
  return async (ctx: BotContext): Promise<boolean> => {
    if (!ctx.from || !can(ctx.shopUser, permission)) return false;
    return can(await freshUser(ctx), permission);
  };
}


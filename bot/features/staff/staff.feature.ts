import { Composer, InlineKeyboard } from "grammy";
import { publishStaffMenu } from "../../commands.js";
import type { BotContext } from "../../context.js";
import { allowedTo } from "../../middlewares/permission.filter.js";
import { configRoster, PERMISSIONS, type Permission } from "../../../shop/users/staff.js";
import {
  assignRole,
  createRole,
  deleteRole,
  listRoles,
  listStaff,
  removeStaff,
  resolveTarget,
  roleById,
  staffMember,
  toggleRolePermission,
  type ConsoleActor,
  type ConsoleRefusal,
  type TargetInput,
} from "../../../shop/users/staff-console.js";

/**
 * `/staff`: who works in the shop and with which role, adding and removing members (by a
 * forwarded message, @username or id) and defining roles made of permissions. Every button is
 * behind `allowedTo("staff.manage")` (Postgres at each tap) and every change goes through
 * shop/users/staff-console.ts, which checks the rules again under a row lock and audits.
 * After a change the member's cached copy is dropped and their command menu republished, so
 * they lose (or gain) every power at their next tap, buttons already in their chat included.
 */
export const staffConsoleFeature = new Composer<BotContext>();
const manager = staffConsoleFeature.chatType("private").filter(allowedTo("staff.manage"));

/** How long "send me who to add" / "send me the role's name" waits for the answer. */
const INPUT_TTL_MS = 10 * 60_000;

const roster = (ctx: BotContext) => configRoster(ctx.deps.config);
const actorOf = (ctx: BotContext): ConsoleActor => ({
  userId: ctx.shopUser.id,
  telegramId: ctx.shopUser.telegramId,
  role: ctx.shopUser.role === "OWNER" ? "OWNER" : "SELLER",
  permissions: ctx.shopUser.permissions,
});
const permLabel = (ctx: BotContext, p: Permission) => ctx.t(`stf-perm-${p.replace(".", "-")}`);

async function show(ctx: BotContext, text: string, keyboard: InlineKeyboard) {
  if (ctx.callbackQuery) {
    await ctx.answerCallbackQuery();
    const edited = await ctx.editMessageText(text, { reply_markup: keyboard }).then(
      () => true,
      () => false,
    );
    if (edited) return;
  }
  await ctx.reply(text, { reply_markup: keyboard });
}

async function refuse(ctx: BotContext, reason: ConsoleRefusal) {
  const text = ctx.t(`stf-refused-${reason}`);
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
  else await ctx.reply(text);
}

async function staffList(ctx: BotContext) {
  const members = await listStaff(ctx.deps.prisma, roster(ctx));
  const lines = members.map((m) =>
    ctx.t("stf-list-line", { icon: m.owner ? "👑" : "•", name: m.name, username: m.username ? `@${m.username}` : String(m.telegramId), role: m.role, source: ctx.t(`stf-source-${m.source}`) }),
  );
  const kb = new InlineKeyboard();
  for (const m of members) if (!m.owner && m.userId !== null && m.userId !== ctx.shopUser.id) kb.text(`${m.name} · ${m.role}`, `stf:m:${m.userId}`).row();
  kb.text(ctx.t("stf-btn-add"), "stf:add").text(ctx.t("stf-btn-roles"), "stf:roles");
  await show(ctx, [ctx.t("stf-list-title"), ...lines].join("\n"), kb);
}

async function memberCard(ctx: BotContext, userId: number, note?: string) {
  const member = await staffMember(ctx.deps.prisma, roster(ctx), userId);
  if (!member) return refuse(ctx, "unknown-user");
  const roles = await listRoles(ctx.deps.prisma);
  const mine = ctx.shopUser.permissions as readonly string[];
  const kb = new InlineKeyboard();
  for (const role of roles.filter((r) => r.permissions.every((p) => mine.includes(p)))) {
    const current = member.staff.staffRole === role.name && member.staff.role !== "CUSTOMER";
    kb.text(`${current ? "✅ " : ""}${role.name}`, `stf:as:${userId}:${role.id}`).row();
  }
  if (member.staff.role !== "CUSTOMER" && member.configRole !== "OWNER") kb.text(ctx.t("stf-btn-remove"), `stf:rm:${userId}`).row();
  kb.text(ctx.t("stf-btn-back"), "stf:list");
  const perms = member.staff.permissions.map((p) => `• ${permLabel(ctx, p)}`).join("\n") || ctx.t("stf-no-permissions");
  const text = ctx.t("stf-member-card", {
    name: member.firstName || String(member.telegramId),
    username: member.username ? `@${member.username}` : "—",
    id: String(member.telegramId),
    role: member.staff.role === "CUSTOMER" ? ctx.t("stf-role-none") : (member.staff.staffRole ?? "?"),
    permissions: perms,
  });
  await show(ctx, note ? `${note}\n\n${text}` : text, kb);
}

async function roleList(ctx: BotContext) {
  const roles = await listRoles(ctx.deps.prisma);
  const kb = new InlineKeyboard();
  for (const r of roles) kb.text(`${r.builtIn ? "🔒 " : ""}${r.name} (${r.permissions.length}) · ${r.members}👤`, `stf:r:${r.id}`).row();
  kb.text(ctx.t("stf-btn-new-role"), "stf:rnew").row().text(ctx.t("stf-btn-back"), "stf:list");
  await show(ctx, ctx.t("stf-roles-title"), kb);
}

async function roleCard(ctx: BotContext, roleId: number) {
  const role = await roleById(ctx.deps.prisma, roleId);
  if (!role) return refuse(ctx, "unknown-role");
  const mine = ctx.shopUser.permissions;
  const editable = !role.builtIn && role.permissions.every((p) => mine.includes(p));
  const kb = new InlineKeyboard();
  if (editable) {
    PERMISSIONS.forEach((p, i) => {
      if (mine.includes(p)) kb.text(`${role.permissions.includes(p) ? "✅" : "▫️"} ${permLabel(ctx, p)}`, `stf:rt:${role.id}:${i}`).row();
    });
    if (role.members === 0) kb.text(ctx.t("stf-btn-delete-role"), `stf:rdel:${role.id}`).row();
  }
  kb.text(ctx.t("stf-btn-back"), "stf:roles");
  const perms = role.permissions.map((p) => `• ${permLabel(ctx, p)}`).join("\n") || ctx.t("stf-no-permissions");
  await show(ctx, ctx.t(editable ? "stf-role-card" : "stf-role-card-locked", { name: role.name, members: role.members, permissions: perms }), kb);
}

/**
 * After a member's powers changed: their cached copy dropped and their menu republished; told
 * in their own language when they were added, moved or removed (not for each permission of a
 * role they hold: the menu follows, a message per toggle would be noise).
 */
async function afterChange(ctx: BotContext, telegramId: number, tell: boolean) {
  await ctx.deps.users.forget(telegramId);
  const member = await ctx.deps.prisma.user.findUnique({ where: { telegramId: BigInt(telegramId) }, select: { id: true, language: true } });
  if (!member) return;
  const now = await staffMember(ctx.deps.prisma, roster(ctx), member.id);
  const permissions = now?.staff.permissions ?? [];
  await publishStaffMenu(ctx.api, ctx.deps.i18n, telegramId, permissions, ctx.logger).catch((err: unknown) => ctx.logger.warn({ err }, "member's menu not republished"));
  if (!tell) return;
  const t = (key: string, args?: Record<string, string>) => ctx.deps.i18n.t(member.language === "en" ? "en" : "id", key, args);
  const text = permissions.length > 0 ? t("stf-told-role", { role: now?.staff.staffRole ?? "?" }) : t("stf-told-removed");
  await ctx.api.sendMessage(telegramId, text).catch((err: unknown) => ctx.logger.info({ err: err instanceof Error ? err.message : String(err) }, "member not told of their staff change"));
}

manager.command("staff", (ctx) => staffList(ctx));
manager.callbackQuery("stf:list", (ctx) => staffList(ctx));
manager.callbackQuery("stf:roles", (ctx) => roleList(ctx));
manager.callbackQuery(/^stf:m:(\d+)$/, (ctx) => memberCard(ctx, Number(ctx.match[1])));
manager.callbackQuery(/^stf:r:(\d+)$/, (ctx) => roleCard(ctx, Number(ctx.match[1])));

manager.callbackQuery("stf:add", async (ctx) => {
  (await ctx.session).staffInput = { kind: "add", at: Date.now() };
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t("stf-add-prompt"));
});

manager.callbackQuery("stf:rnew", async (ctx) => {
  (await ctx.session).staffInput = { kind: "role-name", at: Date.now() };
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t("stf-role-name-prompt"));
});

manager.callbackQuery(/^stf:as:(\d+):(\d+)$/, async (ctx) => {
  const result = await assignRole(ctx.deps.prisma, roster(ctx), actorOf(ctx), Number(ctx.match[1]), Number(ctx.match[2]));
  if (!result.ok) return refuse(ctx, result.reason);
  await afterChange(ctx, result.telegramId, true);
  await memberCard(ctx, Number(ctx.match[1]), ctx.t("stf-assigned", { role: result.role }));
});

manager.callbackQuery(/^stf:rm:(\d+)$/, async (ctx) => {
  const userId = Number(ctx.match[1]);
  const member = await staffMember(ctx.deps.prisma, roster(ctx), userId);
  if (!member) return refuse(ctx, "unknown-user");
  const kb = new InlineKeyboard().text(ctx.t("stf-btn-remove-confirm"), `stf:rmok:${userId}`).row().text(ctx.t("stf-btn-back"), `stf:m:${userId}`);
  await show(ctx, ctx.t("stf-remove-confirm", { name: member.firstName || String(member.telegramId) }), kb);
});

manager.callbackQuery(/^stf:rmok:(\d+)$/, async (ctx) => {
  const result = await removeStaff(ctx.deps.prisma, roster(ctx), actorOf(ctx), Number(ctx.match[1]));
  if (!result.ok) return refuse(ctx, result.reason);
  await afterChange(ctx, result.telegramId, true);
  await memberCard(ctx, Number(ctx.match[1]), ctx.t("stf-removed"));
});

manager.callbackQuery(/^stf:rt:(\d+):(\d+)$/, async (ctx) => {
  const permission = PERMISSIONS[Number(ctx.match[2])];
  if (!permission) return refuse(ctx, "not-allowed");
  const result = await toggleRolePermission(ctx.deps.prisma, roster(ctx), actorOf(ctx), Number(ctx.match[1]), permission);
  if (!result.ok) return refuse(ctx, result.reason);
  await roleCard(ctx, result.role.id);
  for (const telegramId of result.memberTelegramIds) await afterChange(ctx, telegramId, false);
});

manager.callbackQuery(/^stf:rdel:(\d+)$/, async (ctx) => {
  const result = await deleteRole(ctx.deps.prisma, roster(ctx), actorOf(ctx), Number(ctx.match[1]));
  if (!result.ok) return refuse(ctx, result.reason);
  await ctx.answerCallbackQuery({ text: ctx.t("stf-role-deleted", { name: result.name }) });
  await roleList(ctx);
});

/** Who a "send me who to add" answer names: a forwarded message's sender, @username or a numeric id. */
function targetOf(ctx: BotContext): TargetInput | "hidden" | "not-a-person" | null {
  const origin = ctx.message?.forward_origin;
  if (origin?.type === "user") {
    const u = origin.sender_user;
    return { kind: "user", telegramId: u.id, firstName: u.first_name, ...(u.username ? { username: u.username } : {}) };
  }
  if (origin?.type === "hidden_user") return "hidden";
  // A post forwarded from a group or channel names no person (its text is not an id either).
  if (origin) return "not-a-person";
  const text = ctx.message?.text?.trim() ?? "";
  if (/^@[A-Za-z0-9_]{3,32}$/.test(text)) return { kind: "username", username: text.slice(1) };
  if (/^\d{4,15}$/.test(text) && Number(text) <= Number.MAX_SAFE_INTEGER) return { kind: "id", telegramId: Number(text) };
  return null;
}

// The answer to "send me who to add" / "send me the role's name" (only while asked, and still allowed).
manager.on("message", async (ctx, next) => {
  const session = await ctx.session;
  const input = session.staffInput;
  if (!input || ctx.message.text?.startsWith("/")) return next();
  session.staffInput = undefined;
  if (Date.now() - input.at > INPUT_TTL_MS) return next();
  if (input.kind === "role-name") {
    const result = await createRole(ctx.deps.prisma, roster(ctx), actorOf(ctx), ctx.message.text ?? "");
    if (!result.ok) return refuse(ctx, result.reason);
    return roleCard(ctx, result.role.id);
  }
  const target = targetOf(ctx);
  // "Send their @username or id instead": the step stays open for that answer.
  const askAgain = (key: string) => {
    session.staffInput = { kind: "add", at: Date.now() };
    return ctx.reply(ctx.t(key));
  };
  if (target === "hidden") return askAgain("stf-add-hidden");
  if (target === "not-a-person") return askAgain("stf-add-not-a-person");
  if (!target) return ctx.reply(ctx.t("stf-add-unknown-input"));
  const user = await resolveTarget(ctx.deps.prisma, target);
  if (!user) return askAgain("stf-add-unknown-username");
  await memberCard(ctx, user.id, ctx.t("stf-add-pick-role", { name: user.name }));
});

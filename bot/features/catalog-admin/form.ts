import { InlineKeyboard } from "grammy";
import type { Parsed } from "../../../shop/catalog/admin/input.js";
import type { Permission } from "../../../shop/users/staff.js";
import type { BotContext } from "../../context.js";
import { allowedTo } from "../../middlewares/permission.filter.js";

/**
 * Guided input for the catalog console: a form asks its fields one message at a time (a typed
 * answer, a button for fixed choices, "skip" for optional ones), optionally shows a summary to
 * confirm, then calls the domain once. Its state is one small Redis key per chat that lapses
 * after FORM_TTL_SECONDS, so a form left half-done never takes a message typed hours later.
 * Every answer and tap is checked against the form's permission again (allowedTo), so a member
 * who lost the power mid-form changes nothing. Bad input: the reason, the same question again.
 */

export const FORM_TTL_SECONDS = 10 * 60;

/** Which console a form belongs to; also the prefix of its buttons (`cp:fa:1`, `cp:fx`). */
export type Area = "ca" | "cp" | "bk";

export type Values = Record<string, string | number | boolean | null | number[] | string[]>;
export type Args = Record<string, string | number>;
type Vars = Record<string, string | number>;

export interface Field {
  key: string;
  /** The question: an i18n key and its variables. */
  ask: (args: Args, values: Values) => [string, Vars?];
  /** Reads a typed answer; Dates are kept as ISO strings. Absent: the field takes buttons only. */
  parse?: (text: string, values: Values) => Parsed<string | number | boolean | Date | number[] | string[]>;
  /** Fixed answers as buttons: an i18n key for the label and the value it stands for. */
  choices?: Array<{ label: string; value: string | number | boolean | null }>;
  /** Optional fields offer "skip" and then hold null. */
  optional?: boolean;
  /** Skip this field given the answers so far. */
  when?: (values: Values) => boolean;
}

export interface Form {
  area: Area;
  permission: Permission;
  fields: Field[];
  /** A summary to confirm before submit; absent: submit after the last answer. */
  confirm?: (ctx: BotContext, args: Args, values: Values) => Promise<string>;
  submit: (ctx: BotContext, args: Args, values: Values) => Promise<void>;
}

interface State {
  form: string;
  args: Args;
  step: number;
  values: Values;
}

const FORMS = new Map<string, Form>();

/** The buttons of a form, per console (each prefix is registered, and tried, by its console's feature). */
const BUTTONS: Record<Area, { choice: string; skip: string; cancel: string; save: string }> = {
  ca: { choice: "ca:fa:", skip: "ca:fs", cancel: "ca:fx", save: "ca:fok" },
  cp: { choice: "cp:fa:", skip: "cp:fs", cancel: "cp:fx", save: "cp:fok" },
  bk: { choice: "bk:fa:", skip: "bk:fs", cancel: "bk:fx", save: "bk:fok" },
};

/** Makes a form startable by name (names are unique across the console). */
export function defineForm(name: string, form: Form): void {
  FORMS.set(name, form);
}

const key = (ctx: BotContext) => `${ctx.deps.config.queuePrefix}:cadm:form:${ctx.chat!.id}`;

async function load(ctx: BotContext): Promise<(State & { def: Form }) | null> {
  const raw = await ctx.deps.redis.get(key(ctx));
  if (!raw) return null;
  const state = JSON.parse(raw) as State;
  const def = FORMS.get(state.form);
  return def ? { ...state, def } : null;
}

const save = (ctx: BotContext, state: State) => ctx.deps.redis.set(key(ctx), JSON.stringify(state), "EX", FORM_TTL_SECONDS);
const clear = (ctx: BotContext) => ctx.deps.redis.del(key(ctx));

/** Drops this chat's open form, as any command ends a flow (start.command.ts); true if there was one. */
export async function leaveCatalogForm(ctx: BotContext): Promise<boolean> {
  return ctx.chat !== undefined && (await clear(ctx)) > 0;
}

/** Starts form `name` (replacing any form or conversation this chat had open) and asks its first question. */
export async function startForm(ctx: BotContext, name: string, args: Args = {}): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
  // A conversation left waiting for text (an order's reason…) would take this form's answers.
  await ctx.conversation.exitAll();
  const state: State = { form: name, args, step: -1, values: {} };
  await advance(ctx, state, FORMS.get(name)!);
}

/** Moves to the next field that applies and asks it, or confirms / submits when none is left. */
async function advance(ctx: BotContext, state: State, def: Form): Promise<void> {
  let step = state.step + 1;
  while (step < def.fields.length && def.fields[step]!.when?.(state.values) === false) step++;
  state.step = step;
  const field = def.fields[step];
  if (field) {
    await save(ctx, state);
    return ask(ctx, def, state, field);
  }
  if (def.confirm) {
    await save(ctx, state);
    const b = BUTTONS[def.area];
    const kb = new InlineKeyboard().text(ctx.t("cat-adm-form-save"), b.save).text(ctx.t("cat-adm-form-cancel"), b.cancel);
    await ctx.reply(await def.confirm(ctx, state.args, state.values), { parse_mode: "HTML", reply_markup: kb });
    return;
  }
  await clear(ctx);
  await def.submit(ctx, state.args, state.values);
}

async function ask(ctx: BotContext, def: Form, state: State, field: Field, problem?: string): Promise<void> {
  const [question, vars] = field.ask(state.args, state.values);
  const b = BUTTONS[def.area];
  const kb = new InlineKeyboard();
  field.choices?.forEach((c, i) => kb.text(ctx.t(c.label), b.choice + i));
  kb.row();
  if (field.optional) kb.text(ctx.t("cat-adm-form-skip"), b.skip);
  kb.text(ctx.t("cat-adm-form-cancel"), b.cancel);
  const text = (problem ? `${problem}\n\n` : "") + ctx.t(question, vars);
  await ctx.reply(text, { parse_mode: "HTML", reply_markup: kb });
}

/** The open form of `area`, if the member still holds its permission (else it is dropped). */
async function openForm(ctx: BotContext, area: Area) {
  const state = await load(ctx);
  if (!state || state.def.area !== area) return null;
  if (!(await allowedTo(state.def.permission)(ctx))) {
    await clear(ctx);
    return null;
  }
  return state;
}

/** A typed answer; returns false when no form of this chat takes text (the update goes on). */
export async function answerText(ctx: BotContext, text: string): Promise<boolean> {
  const state = await load(ctx);
  if (!state) return false;
  const open = await openForm(ctx, state.def.area);
  if (!open) return false;
  const field = open.def.fields[open.step];
  if (!field) {
    await ctx.reply(ctx.t("cat-adm-form-use-buttons"));
    return true;
  }
  if (!field.parse) {
    await ask(ctx, open.def, open, field, ctx.t("cat-adm-form-use-buttons"));
    return true;
  }
  const parsed = field.parse(text, open.values);
  if (!parsed.ok) {
    await ask(ctx, open.def, open, field, ctx.t(`cat-adm-bad-${parsed.error}`));
    return true;
  }
  const v = parsed.value;
  open.values[field.key] = v instanceof Date ? v.toISOString() : v;
  await advance(ctx, open, open.def);
  return true;
}

/** A tap on choice `index` of the current field. */
export async function answerChoice(ctx: BotContext, area: Area, index: number): Promise<void> {
  const open = await openForm(ctx, area);
  const choice = open?.def.fields[open.step]?.choices?.[index];
  if (!open || !choice) return stale(ctx);
  await ctx.answerCallbackQuery();
  open.values[open.def.fields[open.step]!.key] = choice.value;
  await advance(ctx, open, open.def);
}

/** "Skip" on an optional field. */
export async function skipField(ctx: BotContext, area: Area): Promise<void> {
  const open = await openForm(ctx, area);
  const field = open?.def.fields[open.step];
  if (!open || !field?.optional) return stale(ctx);
  await ctx.answerCallbackQuery();
  open.values[field.key] = null;
  await advance(ctx, open, open.def);
}

/** "Save" under a form's summary. */
export async function confirmForm(ctx: BotContext, area: Area): Promise<void> {
  const open = await openForm(ctx, area);
  if (!open || open.step < open.def.fields.length) return stale(ctx);
  await ctx.answerCallbackQuery();
  await clear(ctx);
  await ctx.editMessageReplyMarkup().catch(() => undefined);
  await open.def.submit(ctx, open.args, open.values);
}

/** "Cancel": the form is dropped, nothing changed. */
export async function cancelForm(ctx: BotContext, area: Area): Promise<void> {
  const open = await openForm(ctx, area);
  if (!open) return stale(ctx);
  await clear(ctx);
  await ctx.answerCallbackQuery();
  await ctx.editMessageReplyMarkup().catch(() => undefined);
  await ctx.reply(ctx.t("cat-adm-form-cancelled"));
}

async function stale(ctx: BotContext): Promise<void> {
  await ctx.answerCallbackQuery({ text: ctx.t("cat-adm-form-stale") });
}

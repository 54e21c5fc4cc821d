/**
 * The staff table cannot fall behind the code. Every command and callback handler the bot
 * registers (`.command(…)`, `.callbackQuery(…)`, `waitForCallbackQuery(…)` anywhere under bot/),
 * every literal button data under bot/ and jobs/, and the staff menus of bot/commands.ts are read
 * from the source (TypeScript's own parser) and each must be either a staff action of
 * STAFF_ACTIONS (then test/security/staff-powers.test.ts tries it as everyone who must not have
 * it) or listed in CUSTOMER_SURFACE. A new staff command or prefix fails here until it is added.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { CUSTOMER_COMMANDS, STAFF_COMMANDS as STAFF_MENU } from "../../bot/commands.js";
import { CUSTOMER_SURFACE, STAFF_ACTIONS } from "./staff-table.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface Found {
  kind: "command" | "callback" | "button";
  value: string;
  where: string;
}

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f));
}

/** The literal start of a callback regex: `/^rev:ok2:(\d+)$/` → ["rev:ok2:"], `/^(cat|chk):/` → ["cat:", "chk:"]. */
function regexPrefixes(source: string): string[] {
  let body = source.startsWith("^") ? source.slice(1) : source;
  let heads = [""];
  const group = /^\(((?:[a-z0-9_:]+\|)*[a-z0-9_:]+)\)/i.exec(body);
  if (group) {
    heads = group[1]!.split("|");
    body = body.slice(group[0].length);
  }
  const literal = /^[a-z0-9_:-]*/i.exec(body)![0];
  return heads.map((h) => h + literal);
}

function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text;
  return undefined;
}

/** Registered handlers and literal button data in one file. */
function scan(file: string, text = readFileSync(path.join(ROOT, file), "utf8")): Found[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Found[] = [];
  const where = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const args = (arg: ts.Expression): ts.Expression[] => (ts.isArrayLiteralExpression(arg) ? [...arg.elements] : [arg]);
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.arguments[0]) {
      const method = node.expression.name.text;
      if (method === "command") {
        for (const a of args(node.arguments[0])) out.push({ kind: "command", value: literalText(a) ?? `<${a.getText()}>`, where: where(a) });
      }
      if (method === "callbackQuery" || method === "waitForCallbackQuery") {
        for (const a of args(node.arguments[0])) {
          const values = ts.isRegularExpressionLiteral(a) ? regexPrefixes(a.text.slice(1, a.text.lastIndexOf("/"))) : [literalText(a) ?? `<${a.getText()}>`];
          for (const value of values) out.push({ kind: "callback", value, where: where(a) });
        }
      }
      // InlineKeyboard.text(label, data) with literal data.
      const data = method === "text" && node.arguments.length === 2 ? literalText(node.arguments[1]!) : undefined;
      if (data !== undefined) out.push({ kind: "button", value: data, where: where(node) });
    }
    // { text, data: "…" } buttons of notifications.
    if (ts.isPropertyAssignment(node) && node.name.getText() === "data") {
      const data = literalText(node.initializer);
      if (data !== undefined && /^[a-z]+:/.test(data)) out.push({ kind: "button", value: data, where: where(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const STAFF_COMMANDS = STAFF_ACTIONS.filter((a) => a.kind === "command").map((a) => a.name.slice(1));
const STAFF_PREFIXES = STAFF_ACTIONS.filter((a) => a.kind === "callback").map((a) => a.name);

/** A customer entry covers a value equal to it, or one that only adds a last, colon-free segment to it. */
function isCustomerCallback(value: string): boolean {
  return CUSTOMER_SURFACE.callbacks.some((c) => value === c || (value.startsWith(c) && c.endsWith(":") && !value.slice(c.length).includes(":")));
}

/** Why a found handler or button is not accounted for, or null when it is. */
function unaccounted(f: Found): string | null {
  if (f.kind === "command") {
    return STAFF_COMMANDS.includes(f.value) || CUSTOMER_SURFACE.commands.includes(f.value) ? null : `command /${f.value}`;
  }
  if (STAFF_PREFIXES.includes(f.value) || isCustomerCallback(f.value)) return null;
  // A catch-all in front of staff prefixes (the "only staff" refusal for `rev:`) grants nothing itself.
  if (f.kind === "callback" && f.value.endsWith(":") && STAFF_PREFIXES.some((p) => p.startsWith(f.value)) && !isCustomerCallback(f.value)) return null;
  return `${f.kind} data "${f.value}"`;
}

const found = [...sources("bot"), ...sources("jobs")].flatMap((f) => scan(f));

describe("the staff table covers every staff command and callback the code registers", () => {
  it("finds the handlers (the scan itself works)", () => {
    expect(found.filter((f) => f.kind === "command").map((f) => f.value)).toEqual(expect.arrayContaining(["start", "stats", "retry", "refund", "health"]));
    expect(found.filter((f) => f.kind === "callback").map((f) => f.value)).toEqual(expect.arrayContaining(["rev:ok2:", "prov:refund:", "cat:", "chk:"]));
    expect(found.filter((f) => f.kind === "button").map((f) => f.value)).toEqual(expect.arrayContaining(["prov:retry:", "rev:view:"]));
    expect(regexPrefixes("^(cat|chk):")).toEqual(["cat:", "chk:"]);
  });

  it("a staff power added without a table row is caught (the guard guards)", () => {
    const added = scan(
      "bot/features/new.staff.ts",
      `staff.command(["ban", "stats"], h); staff.callbackQuery(/^rev:refund:(\\d+)$/, h); kb.text(t("x"), \`usr:block:\${id}\`); q.callbackQuery(/^rev:/, h);`,
    );
    expect(added.map(unaccounted)).toEqual(["command /ban", null, 'callback data "rev:refund:"', 'button data "usr:block:"', null]);
  });

  it("every registered command, callback prefix and button data is a staff action of the table or customer surface", () => {
    const missing = found.flatMap((f) => {
      const why = unaccounted(f);
      return why ? [`${why} at ${f.where}: add it to STAFF_ACTIONS (test/security/staff-table.ts) or, if customers may use it, to CUSTOMER_SURFACE`] : [];
    });
    expect(missing).toEqual([]);
  });

  it("the staff menus of bot/commands.ts are all in the table under the same permission, and no customer menu entry is", () => {
    expect(STAFF_MENU.filter(([c]) => !STAFF_COMMANDS.includes(c))).toEqual([]);
    const rowPermission = new Map(STAFF_ACTIONS.filter((a) => a.kind === "command").map((a) => [a.name.slice(1), a.permission]));
    expect(STAFF_MENU.filter(([c, p]) => rowPermission.get(c) !== p)).toEqual([]);
    expect(CUSTOMER_COMMANDS.filter((c) => STAFF_COMMANDS.includes(c))).toEqual([]);
    expect(CUSTOMER_COMMANDS.filter((c) => !CUSTOMER_SURFACE.commands.includes(c))).toEqual([]);
  });

  it("every table entry still exists in the code (a stale row would test nothing)", () => {
    const registered = new Set(found.filter((f) => f.kind !== "button").map((f) => `${f.kind}:${f.value}`));
    const stale = STAFF_ACTIONS.filter((a) => !registered.has(a.kind === "command" ? `command:${a.name.slice(1)}` : `callback:${a.name}`)).map((a) => a.name);
    expect(stale).toEqual([]);
  });
});

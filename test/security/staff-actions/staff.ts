/** Staff powers of the staff console (/staff, roles): see ../staff-table.ts for what each row must give. */
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../../../db/client.js";
import { PERMISSIONS } from "../../../shop/users/staff.js";
import type { RecordedCall } from "../../support/bot-harness.js";
import type { StaffBot } from "../support/staff-bot.js";
import type { StaffAction } from "../staff-table.js";

/** A screen only a staff manager may see (anything but a refusal). */
const answered = (w: StaffBot, calls: RecordedCall[]) =>
  calls.some((c) => (c.method === "sendMessage" || c.method === "editMessageText") && !w.refusals.has(String(c.payload.text ?? "")));

let seq = 0;
/** Someone who wrote to the bot once: the person a staff change is about. */
async function someone(prisma: PrismaClient) {
  seq += 1;
  return prisma.user.create({ data: { telegramId: BigInt(9_480_000_000 + seq * 7 + Math.floor(Math.random() * 5)), firstName: `Calon ${seq}` } });
}
const roleId = async (prisma: PrismaClient, name: string) => (await prisma.staffRole.findUniqueOrThrow({ where: { name } })).id;
/** A custom role with one permission, nobody holding it. */
const customRole = (prisma: PrismaClient, permissions: string[] = ["payments.review"]) => prisma.staffRole.create({ data: { name: `r-${randomUUID().slice(0, 8)}`, permissions } });
/** A member the chat made a reviewer. */
async function reviewerMember(prisma: PrismaClient) {
  const user = await someone(prisma);
  await prisma.staffMember.create({ data: { userId: user.id, roleId: await roleId(prisma, "reviewer") } });
  await prisma.user.update({ where: { id: user.id }, data: { role: "SELLER" } });
  return user;
}

const view = (name: string, step: (w: StaffBot) => Promise<string>): StaffAction => ({
  name,
  kind: name.startsWith("/") ? "command" : "callback",
  permission: "staff.manage",
  arrange: async (w) => ({ steps: [name.startsWith("/") ? { text: await step(w) } : { data: await step(w) }], tookEffect: async (calls) => answered(w, calls) }),
});

export const STAFF_CONSOLE_ACTIONS: StaffAction[] = [
  view("/staff", async () => "/staff"),
  view("stf:list", async () => "stf:list"),
  view("stf:roles", async () => "stf:roles"),
  view("stf:add", async () => "stf:add"),
  view("stf:rnew", async () => "stf:rnew"),
  view("stf:m:", async (w) => `stf:m:${(await reviewerMember(w.prisma)).id}`),
  view("stf:r:", async (w) => `stf:r:${(await customRole(w.prisma)).id}`),
  view("stf:rm:", async (w) => `stf:rm:${(await reviewerMember(w.prisma)).id}`),
  {
    name: "stf:as:",
    kind: "callback",
    permission: "staff.manage",
    arrange: async (w) => {
      const user = await someone(w.prisma);
      const role = await roleId(w.prisma, "support");
      return { steps: [{ data: `stf:as:${user.id}:${role}` }], tookEffect: async () => (await w.prisma.staffMember.findUnique({ where: { userId: user.id } }))?.roleId === role };
    },
  },
  {
    name: "stf:rmok:",
    kind: "callback",
    permission: "staff.manage",
    arrange: async (w) => {
      const user = await reviewerMember(w.prisma);
      return { steps: [{ data: `stf:rmok:${user.id}` }], tookEffect: async () => (await w.prisma.staffMember.findUnique({ where: { userId: user.id } }))?.roleId === null };
    },
  },
  {
    name: "stf:rt:",
    kind: "callback",
    permission: "staff.manage",
    arrange: async (w) => {
      const role = await customRole(w.prisma);
      const index = PERMISSIONS.indexOf("orders.view");
      return { steps: [{ data: `stf:rt:${role.id}:${index}` }], tookEffect: async () => (await w.prisma.staffRole.findUniqueOrThrow({ where: { id: role.id } })).permissions.includes("orders.view") };
    },
  },
  {
    name: "stf:rdel:",
    kind: "callback",
    permission: "staff.manage",
    arrange: async (w) => {
      const role = await customRole(w.prisma);
      return { steps: [{ data: `stf:rdel:${role.id}` }], tookEffect: async () => (await w.prisma.staffRole.findUnique({ where: { id: role.id } })) === null };
    },
  },
];

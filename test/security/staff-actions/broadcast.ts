/** Staff powers of broadcasts (/broadcast, bot/features/broadcast/): see ../staff-table.ts for what each row must give. */
import type { PrismaClient } from "../../../db/client.js";
import { broadcastRunDeps } from "../../../bot/features/broadcast/run-deps.js";
import { confirmBroadcast, createDraft, pauseBroadcast, updateDraft, type Audience } from "../../../shop/broadcasts/index.js";
import type { RecordedCall } from "../../support/bot-harness.js";
import { userRow } from "../../support/factories.js";
import { PEOPLE, type StaffBot } from "../support/staff-bot.js";
import type { StaffAction } from "../staff-table.js";

/** Each attempt acts on a broadcast of its own, with a recipient of its own. */
let seq = 0;

async function owner(prisma: PrismaClient) {
  const row = await userRow(prisma, PEOPLE.owner.id, PEOPLE.owner.first_name);
  return { userId: row.id, role: "OWNER" as const };
}

/** A draft the owner wrote: a service announcement to everyone (so there is always a recipient). */
async function draft(w: StaffBot, opts: { audience?: Audience | null; buttons?: boolean; scheduled?: boolean; paid?: boolean } = {}) {
  seq += 1;
  await userRow(w.prisma, 9_412_000 + seq, `Penerima ${seq}`);
  const staff = await owner(w.prisma);
  const text = `Pengumuman uji keamanan ${seq}`;
  const { id } = await createDraft(w.prisma, staff, {
    kind: "SERVICE",
    content: { text, entities: [{ type: "bold", offset: 0, length: 10 }], buttons: opts.buttons ? [{ kind: "url", text: "Info", url: "https://example.com/info" }] : [] },
  });
  const audience = opts.audience === undefined ? { kind: "ALL" as const } : opts.audience;
  const patch = { ...(audience ? { audience } : {}), ...(opts.scheduled ? { scheduledAt: new Date(Date.now() + 86_400_000) } : {}), ...(opts.paid ? { paid: true } : {}) };
  const updated = await updateDraft(w.prisma, staff, id, patch);
  if (!updated.ok) throw new Error(`draft not updated: ${updated.reason}`);
  return { id, text, staff };
}

/** A broadcast started by the owner (its job queued; no worker runs in these tests). */
async function started(w: StaffBot) {
  const d = await draft(w);
  const result = await confirmBroadcast(broadcastRunDeps({ prisma: w.prisma, queues: w.core.queues }), d.staff, d.id, { chatId: PEOPLE.owner.id, messageId: 1 });
  if (!result.ok) throw new Error(`not started: ${result.reason}`);
  return d;
}

const row = (prisma: PrismaClient, id: number) => prisma.broadcast.findUniqueOrThrow({ where: { id } });

/** A reply only staff may see (not a refusal). */
const answered = (w: StaffBot, calls: RecordedCall[]) => calls.some((c) => (c.method === "sendMessage" || c.method === "editMessageText") && !w.refusals.has(String(c.payload.text ?? "")));

/** A button on a broadcast of its own (`more`: text typed after the tap); `effect` reads whether it acted. */
function changeRow(
  name: string,
  arrange: (w: StaffBot) => Promise<{ id: number }>,
  data: (id: number) => string,
  effect: (w: StaffBot, id: number, calls: RecordedCall[]) => Promise<boolean>,
  more: Array<{ text: string }> = [],
): StaffAction {
  return {
    name,
    kind: "callback",
    permission: "broadcast.send",
    arrange: async (w) => {
      const { id } = await arrange(w);
      return { steps: [{ data: data(id) }, ...more], tookEffect: (calls) => effect(w, id, calls) };
    },
  };
}

/** A button that shows a screen about one broadcast: it names it. */
function screenRow(name: string, data: (id: number) => string, arrange: (w: StaffBot) => Promise<{ id: number }> = (w) => draft(w)): StaffAction {
  return changeRow(name, arrange, data, async (w, id, calls) => answered(w, calls) && calls.some((c) => String(c.payload.text ?? "").includes(`#${id}`)));
}

export const BROADCAST_ACTIONS: StaffAction[] = [
  {
    name: "/broadcast",
    kind: "command",
    permission: "broadcast.send",
    arrange: async (w) => ({ steps: [{ text: "/broadcast" }], tookEffect: async (calls) => answered(w, calls) }),
  },
  {
    name: "bc:menu",
    kind: "callback",
    permission: "broadcast.send",
    arrange: async (w) => ({ steps: [{ data: "bc:menu" }], tookEffect: async (calls) => answered(w, calls) }),
  },
  ...(["p", "s"] as const).map(
    (kind): StaffAction => ({
      name: `bc:new:${kind}`,
      kind: "callback",
      permission: "broadcast.send",
      // The button asks for the message; the message typed next is what makes the draft.
      arrange: async (w) => {
        seq += 1;
        const text = `Siaran uji keamanan ${seq}`;
        return { steps: [{ data: `bc:new:${kind}` }, { text }], tookEffect: async () => (await w.prisma.broadcast.count({ where: { text } })) === 1 };
      },
    }),
  ),
  screenRow("bc:d:", (id) => `bc:d:${id}`),
  screenRow("bc:v:", (id) => `bc:v:${id}`, started),
  screenRow("bc:au:", (id) => `bc:au:${id}`),
  changeRow("bc:as:", (w) => draft(w, { audience: null }), (id) => `bc:as:${id}:res`, async (w, id) => (await row(w.prisma, id)).audience === "RESELLERS"),
  changeRow("bc:bu:", (w) => draft(w), (id) => `bc:bu:${id}`, async (w, id) => JSON.stringify((await row(w.prisma, id)).buttons).includes("https://example.com/promo"), [{ text: "Promo | https://example.com/promo" }]),
  changeRow("bc:bc:", (w) => draft(w), (id) => `bc:bc:${id}`, async (w, id) => JSON.stringify((await row(w.prisma, id)).buttons).includes("catalog")),
  changeRow("bc:bx:", (w) => draft(w, { buttons: true }), (id) => `bc:bx:${id}`, async (w, id) => JSON.stringify((await row(w.prisma, id)).buttons) === "[]"),
  {
    name: "bc:pv:",
    kind: "callback",
    permission: "broadcast.send",
    arrange: async (w) => {
      const { id, text } = await draft(w);
      return { steps: [{ data: `bc:pv:${id}` }], tookEffect: async (calls) => calls.some((c) => c.method === "sendMessage" && c.payload.text === text) };
    },
  },
  changeRow("bc:sc:", (w) => draft(w), (id) => `bc:sc:${id}`, async (w, id) => (await row(w.prisma, id)).scheduledAt !== null, [{ text: "besok 09:00" }]),
  changeRow("bc:scx:", (w) => draft(w, { scheduled: true }), (id) => `bc:scx:${id}`, async (w, id) => (await row(w.prisma, id)).scheduledAt === null),
  screenRow("bc:pd:", (id) => `bc:pd:${id}`),
  changeRow("bc:pdy:", (w) => draft(w), (id) => `bc:pdy:${id}`, async (w, id) => (await row(w.prisma, id)).paid),
  changeRow("bc:pdn:", (w) => draft(w, { paid: true }), (id) => `bc:pdn:${id}`, async (w, id) => !(await row(w.prisma, id)).paid),
  screenRow("bc:send:", (id) => `bc:send:${id}`),
  changeRow("bc:go:", (w) => draft(w), (id) => `bc:go:${id}`, async (w, id) => (await row(w.prisma, id)).status === "SENDING"),
  changeRow("bc:pause:", started, (id) => `bc:pause:${id}`, async (w, id) => (await row(w.prisma, id)).status === "PAUSED"),
  changeRow(
    "bc:resume:",
    async (w) => {
      const d = await started(w);
      await pauseBroadcast(broadcastRunDeps({ prisma: w.prisma, queues: w.core.queues }), d.staff, d.id);
      return d;
    },
    (id) => `bc:resume:${id}`,
    async (w, id) => (await row(w.prisma, id)).status === "SENDING",
  ),
  screenRow("bc:cancel:", (id) => `bc:cancel:${id}`, started),
  changeRow("bc:cxy:", started, (id) => `bc:cxy:${id}`, async (w, id) => (await row(w.prisma, id)).status === "CANCELLED"),
  screenRow("bc:unsend:", (id) => `bc:unsend:${id}`, delivered),
  changeRow("bc:uny:", delivered, (id) => `bc:uny:${id}`, async (w, id) => (await row(w.prisma, id)).unsentAt !== null),
  screenRow("bc:resend:", (id) => `bc:resend:${id}`, uncertain),
  changeRow("bc:rsy:", uncertain, (id) => `bc:rsy:${id}`, async (w, id) => (await row(w.prisma, id)).status === "SENDING"),
];

/** A broadcast that went out a moment ago: done, every message delivered (what unsend acts on). */
async function delivered(w: StaffBot) {
  return finished(w, { status: "SENT", messageId: 4242, sentAt: new Date() });
}

/** A broadcast done after a crash: every message was in flight when its worker died (what resend acts on). */
async function uncertain(w: StaffBot) {
  return finished(w, { status: "UNCERTAIN", error: "worker stopped" });
}

async function finished(w: StaffBot, delivery: { status: "SENT" | "UNCERTAIN"; messageId?: number; sentAt?: Date; error?: string }) {
  const d = await started(w);
  await w.prisma.broadcastDelivery.updateMany({ where: { broadcastId: d.id }, data: delivery });
  await w.prisma.broadcast.update({ where: { id: d.id }, data: { status: "DONE", finishedAt: new Date() } });
  return d;
}

/**
 * Every staff power, tried by everyone who must not have it: a customer, a seller removed from
 * SELLER_IDS (their row and the Redis copy still say SELLER), and a seller still listed but
 * blocked (the Redis copy still says "not blocked"). The real bot with every middleware, real
 * update payloads, real Postgres, Redis and queues. For each attempt: nothing in the database or
 * the queues changed (checksums of every table and job counts), no success was audited, and what
 * the person saw was a refusal or nothing. The owner performs each action too, on its own
 * target: the control that shows each row of the table really exercises its power.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changedTables, fingerprint } from "./support/fingerprint.js";
import { chatOutput, startStaffBot, type ActorName, type StaffBot } from "./support/staff-bot.js";
import { STAFF_ACTIONS } from "./staff-table.js";

let w: StaffBot;

beforeAll(async () => {
  w = await startStaffBot();
});
afterAll(async () => {
  await w?.close();
});

const INTRUDERS: ActorName[] = ["customer", "removed seller", "blocked seller"];

describe.each(STAFF_ACTIONS)("staff power $name ($kind, needs $permission)", (action) => {
  it("works for the owner (the control)", async () => {
    await w.plant("owner");
    const { steps, tookEffect } = await action.arrange(w);
    const calls = [];
    for (const step of steps) calls.push(...(await w.send("owner", step)));
    expect(await tookEffect(calls), `the owner's ${action.name} had no effect: the row does not test its power`).toBe(true);
  });

  it.each(INTRUDERS)("is refused to a %s: no state change, no audited success, only a refusal or silence", async (actor) => {
    await w.plant(actor);
    const { steps, tookEffect } = await action.arrange(w);
    const audits = await w.prisma.auditLog.count();
    const before = await fingerprint(w.prisma, w.core.queues);
    const calls = [];
    for (const step of steps) calls.push(...(await w.send(actor, step)));

    expect(await tookEffect(calls)).toBe(false);
    expect(changedTables(before, await fingerprint(w.prisma, w.core.queues))).toEqual([]);
    // The only audit row a refused attempt may leave is the removed seller's demotion.
    const added = await w.prisma.auditLog.findMany({ skip: audits, orderBy: { id: "asc" } });
    expect(added.filter((a) => a.action !== "user.demote").map((a) => a.action)).toEqual([]);
    const leaks = chatOutput(calls).filter((o) => !w.refusals.has(o.text));
    expect(leaks, `${actor} saw more than a refusal`).toEqual([]);
    // Their stored role ends where the config puts them, whatever it said before.
    const row = await w.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(w.people[actor].id) } });
    if (!action.stoppedBeforeUserLoad) expect(row.role).toBe(actor === "blocked seller" ? "SELLER" : "CUSTOMER");
  });
});

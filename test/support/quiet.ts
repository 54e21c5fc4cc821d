import { QueueName, type Queues } from "../../jobs/queues.js";

/**
 * Waits until the service has no job left to run now: no queue holds a waiting, active or
 * prioritized job, nor a delayed one that is a retry (a job enqueued with a long delay on
 * purpose, such as the credentials message's deletion half an hour later, does not count),
 * seen on two reads in a row. `except`: queues to leave out (one the service under test does not
 * process, or one whose jobs cannot succeed there, such as owner alerts to an owner who never
 * opened the chat).
 *
 * Why: a test that checks something happened exactly once ("one paid notice after a duplicate
 * callback") must first know that nothing more is on its way. A fixed pause only guesses that
 * the work is done, and on a loaded machine it is not.
 */
export async function waitForIdleQueues(queues: Queues, opts: { except?: QueueName[]; timeoutMs?: number; delayedUnderMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  const delayedUnderMs = opts.delayedUnderMs ?? 60_000;
  let idleReads = 0;
  let busy: string[] = [];
  while (idleReads < 2) {
    busy = await busyQueues(queues, opts.except ?? [], delayedUnderMs);
    idleReads = busy.length === 0 ? idleReads + 1 : 0;
    if (idleReads >= 2) return;
    if (Date.now() > deadline) throw new Error(`queues still busy after ${opts.timeoutMs ?? 20_000} ms: ${busy.join(", ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function busyQueues(queues: Queues, except: QueueName[], delayedUnderMs: number): Promise<string[]> {
  const busy: string[] = [];
  for (const name of Object.values(QueueName).filter((q) => !except.includes(q))) {
    const queue = queues.get(name);
    const counts = await queue.getJobCounts("waiting", "active", "prioritized", "waiting-children");
    const running = Object.values(counts).reduce((a, b) => a + b, 0);
    const retries = (await queue.getDelayed()).filter((job) => (job.opts.delay ?? 0) < delayedUnderMs).length;
    if (running + retries > 0) busy.push(`${name} (${running} to run, ${retries} retrying)`);
  }
  return busy;
}

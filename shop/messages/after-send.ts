/**
 * Records what was just sent. Once Telegram has the message, failing the job would send it again
 * on the retry (a root password twice), so a write that meets a restarting Postgres is retried
 * (1 s, doubling to 8 s, for about a minute) before the job gives up.
 */
export async function afterSend<T>(write: () => Promise<T>, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  let wait = 1_000;
  for (let tried = 0; ; tried++) {
    try {
      return await write();
    } catch (err) {
      if (tried >= 9) throw err;
      await sleep(wait);
      wait = Math.min(8_000, wait * 2);
    }
  }
}

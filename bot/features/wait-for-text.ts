import type { Conversation } from "@grammyjs/conversations";
import type { BotContext, ConvContext } from "../context.js";

/**
 * The text step of a staff flow: waits for a text message answering `ask`, at most `timeoutMs`
 * after it was asked. A button tapped meanwhile ends the flow and is handled as usual: it opens
 * another screen or flow (a catalog form…), whose typed answer must not be taken as this one's.
 * Anything else gets the question again. `timedOut` when the answer came too late: the caller
 * says so and halts, so a flow left open never takes a message hours later as its answer.
 */
export async function waitForText(
  conversation: Conversation<BotContext, ConvContext>,
  ask: string,
  timeoutMs: number,
): Promise<{ answer: ConvContext; text: string; timedOut: boolean }> {
  const asked = await conversation.now();
  let answer = await conversation.wait();
  while (!answer.message?.text) {
    if ((await conversation.now()) - asked > timeoutMs) break;
    if (answer.callbackQuery) await conversation.halt({ next: true });
    await answer.reply(ask);
    answer = await conversation.wait();
  }
  const timedOut = (await conversation.now()) - asked > timeoutMs;
  return { answer, text: answer.message?.text ?? "", timedOut };
}

/**
 * Sending a backup's parts and manifest to every owner's private chat as documents.
 *
 * Every send is confirmed (Telegram answers with the message and the document's file_id, which
 * is stored so a restore from the chat can fetch the parts again). A file that still fails after
 * retries fails the delivery: a backup that reached only some owners, or only some parts, is
 * not a backup anyone can restore from.
 */
import { type Api, InputFile } from "grammy";
import type { Logger } from "../platform/logger.js";

export interface DeliveryFile {
  path: string;
  name: string;
  caption: string;
}

export interface DeliveredCopy {
  chatId: number;
  messageId: number;
  fileId: string;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly delivered: Map<string, DeliveredCopy[]>,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

const ATTEMPTS = 3;

async function sendOnce(api: Api, chatId: number, file: DeliveryFile): Promise<DeliveredCopy> {
  for (let attempt = 1; ; attempt++) {
    try {
      const message = await api.sendDocument(chatId, new InputFile(file.path, file.name), { caption: file.caption, disable_content_type_detection: true });
      if (!message.document?.file_id) throw new Error("Telegram answered without a document");
      return { chatId, messageId: message.message_id, fileId: message.document.file_id };
    } catch (err) {
      const code = (err as { error_code?: number }).error_code;
      // 400/403 (bad request, blocked, chat not found) will not change on a retry.
      if (attempt >= ATTEMPTS || code === 400 || code === 403 || code === 413) throw err;
      await new Promise((r) => setTimeout(r, 1_000 * 2 ** (attempt - 1)));
    }
  }
}

/** Sends every file to every chat, in order; returns each file's copies, or throws DeliveryError naming what failed. */
export async function deliverToChats(api: Api, chatIds: number[], files: DeliveryFile[], logger: Logger): Promise<Map<string, DeliveredCopy[]>> {
  const delivered = new Map<string, DeliveredCopy[]>(files.map((f) => [f.name, []]));
  const failures: string[] = [];
  for (const chatId of chatIds) {
    for (const file of files) {
      try {
        delivered.get(file.name)!.push(await sendOnce(api, chatId, file));
      } catch (err) {
        logger.warn({ err, chatId, file: file.name }, "backup part not delivered");
        failures.push(`${file.name} to chat ${chatId}: ${(err as Error).message}`);
        break; // the rest of this chat's parts would be useless without this one
      }
    }
  }
  if (failures.length > 0) throw new DeliveryError(`backup not delivered to every owner: ${failures.join("; ")}`, delivered);
  return delivered;
}

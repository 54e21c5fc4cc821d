import type { Update } from "grammy/types";
import { conflict, type TelegramApiError } from "./errors.js";

/** Update types Telegram leaves out unless they are listed in allowed_updates explicitly. */
const OPT_IN_TYPES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

interface Waiter {
  wake: () => void;
  fail: (error: TelegramApiError) => void;
}

/**
 * Telegram's per-bot update queue with real getUpdates semantics: updates stay until a
 * later `offset` confirms them, `limit` caps a batch, `timeout` long-polls, a second
 * poller terminates the first with 409, and `allowed_updates` filters new updates.
 */
export class UpdateQueue {
  private pending: Update[] = [];
  private nextId: number;
  private allowed: Set<string> | undefined;
  private waiter: Waiter | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Called after every accepted update (the webhook dispatcher hooks in here). */
  onEnqueue: (() => void) | undefined;

  constructor(firstUpdateId: number) {
    this.nextId = firstUpdateId;
  }

  /** Queues an update with the next update_id; returns undefined when allowed_updates filters it out. */
  push(body: Omit<Update, "update_id">): Update | undefined {
    const type = Object.keys(body)[0] ?? "";
    if (!this.isAllowed(type)) return undefined;
    const update = { update_id: this.nextId++, ...body } as Update;
    this.pending.push(update);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.wake();
    this.onEnqueue?.();
    return update;
  }

  /** Whether an update type is currently delivered. */
  isAllowed(type: string): boolean {
    if (this.allowed === undefined) return !OPT_IN_TYPES.has(type);
    return this.allowed.has(type);
  }

  /** Applies an allowed_updates list; an empty list restores the default set, undefined keeps the current one. */
  setAllowed(list: string[] | undefined): void {
    if (list === undefined) return;
    this.allowed = list.length === 0 ? undefined : new Set(list);
  }

  /** The current allowed_updates list, when one was set. */
  allowedList(): string[] | undefined {
    return this.allowed === undefined ? undefined : [...this.allowed];
  }

  /** Applies getUpdates' offset: positive confirms earlier ids, negative keeps only the last -offset updates. */
  confirm(offset: number | undefined): void {
    if (offset === undefined || offset === 0) return;
    if (offset > 0) this.pending = this.pending.filter((u) => u.update_id >= offset);
    else this.pending = this.pending.slice(Math.max(0, this.pending.length + offset));
  }

  /** The first `limit` pending updates, without removing them. */
  peek(limit = 100): Update[] {
    return this.pending.slice(0, Math.max(1, Math.min(100, limit)));
  }

  /** Every pending update in update_id order (a copy; the webhook dispatcher scans it for chats it may serve). */
  all(): Update[] {
    return [...this.pending];
  }

  /** Removes one update (after successful webhook delivery or when it is dropped). */
  remove(updateId: number): void {
    this.pending = this.pending.filter((u) => u.update_id !== updateId);
  }

  /** Number of updates not yet confirmed or delivered. */
  get size(): number {
    return this.pending.length;
  }

  /** Drops every pending update (drop_pending_updates). */
  clear(): void {
    this.pending = [];
  }

  /**
   * Long-polls: returns pending updates at once, otherwise waits up to `timeoutSeconds`
   * for one. The previous waiting poller, if any, is answered with 409 Conflict.
   */
  poll(opts: { offset?: number; limit?: number; timeoutSeconds?: number; signal?: AbortSignal }): Promise<Update[]> {
    this.confirm(opts.offset);
    const limit = opts.limit ?? 100;
    const batch = this.peek(limit);
    const timeout = opts.timeoutSeconds ?? 0;
    if (batch.length > 0 || timeout <= 0) return Promise.resolve(batch);
    this.terminateWaiter(
      conflict("terminated by other getUpdates request; make sure that only one bot instance is running"),
    );
    return new Promise<Update[]>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        opts.signal?.removeEventListener("abort", onAbort);
        if (this.waiter === waiter) this.waiter = undefined;
      };
      const waiter: Waiter = {
        wake: () => {
          cleanup();
          resolve(this.peek(limit));
        },
        fail: (error) => {
          cleanup();
          reject(error);
        },
      };
      const onAbort = () => {
        cleanup();
        resolve([]);
      };
      const timer = setTimeout(() => waiter.wake(), timeout * 1000);
      this.timers.add(timer);
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      this.waiter = waiter;
    });
  }

  /** Answers the waiting poller with an error (a new poller, or setWebhook). */
  terminateWaiter(error: TelegramApiError): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.fail(error);
  }

  /** Ends any pending long poll right away with an empty batch (used by `fake.stop()`). */
  stop(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.wake();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

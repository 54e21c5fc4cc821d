/** Flood-control settings; both limits are per sliding 1-second window. */
export interface RateLimitConfig {
  perChatPerSecond?: number;
  globalPerSecond?: number;
  /** Fixed retry_after to report; by default the seconds until the window frees up (at least 1). */
  retryAfterSeconds?: number;
}

const WINDOW_MS = 1000;

/** Methods that count as "sending" for flood control, like Telegram's message limits. */
export function isRateLimitedMethod(method: string): boolean {
  const m = method.toLowerCase();
  if (m === "sendchataction") return false;
  return m.startsWith("send") || m.startsWith("edit") || m.startsWith("copymessage") || m.startsWith("forwardmessage");
}

/**
 * Simulates Telegram flood control so code paths for 429 + retry_after
 * (auto-retry, broadcast loops) can be tested; off unless configured.
 */
export class RateLimiter {
  private readonly global: number[] = [];
  private readonly perChat = new Map<number, number[]>();

  constructor(
    public config: RateLimitConfig | undefined,
    private readonly now: () => number,
  ) {}

  /** Records the call when allowed; returns retry_after seconds when the call must be refused. */
  check(chatId: number | undefined): number | undefined {
    const cfg = this.config;
    if (cfg === undefined) return undefined;
    const now = this.now();
    const prune = (list: number[]) => {
      while (list.length > 0 && (list[0] as number) <= now - WINDOW_MS) list.shift();
    };
    prune(this.global);
    let chatList: number[] | undefined;
    if (chatId !== undefined) {
      chatList = this.perChat.get(chatId) ?? [];
      this.perChat.set(chatId, chatList);
      prune(chatList);
    }
    const waitFor = (list: number[]) =>
      cfg.retryAfterSeconds ?? Math.max(1, Math.ceil(((list[0] as number) + WINDOW_MS - now) / 1000));
    if (cfg.globalPerSecond !== undefined && this.global.length >= cfg.globalPerSecond) return waitFor(this.global);
    if (chatList !== undefined && cfg.perChatPerSecond !== undefined && chatList.length >= cfg.perChatPerSecond) {
      return waitFor(chatList);
    }
    this.global.push(now);
    chatList?.push(now);
    return undefined;
  }

  /** Forgets all recorded calls. */
  reset(): void {
    this.global.length = 0;
    this.perChat.clear();
  }
}

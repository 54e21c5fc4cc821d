/**
 * Every log line a service under test writes, kept in memory exactly as an operator's log
 * shipper would receive it: the service's own logger, built as ops/main.ts builds it (the
 * configured secrets blanked), writing here instead of stdout.
 */
import type { Config } from "../../../shop/platform/config.js";
import { configSecrets, createLogger, type Logger } from "../../../shop/platform/logger.js";

export interface LogCapture {
  readonly lines: string[];
  /** Pass as `startTestService({ logger })`. */
  logger(config: Config): Logger;
  /** The parsed lines whose `msg` matches. */
  matching(msg: string | RegExp): Array<Record<string, unknown>>;
  bytes(): number;
}

export function captureLogs(level = "info"): LogCapture {
  const lines: string[] = [];
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    lines,
    logger: (config) => createLogger({ role: "test", level, secrets: configSecrets(config), destination: { write: (line: string) => void lines.push(line) } }),
    matching: (msg) => parsed().filter((l) => (typeof msg === "string" ? l.msg === msg : msg.test(String(l.msg)))),
    bytes: () => lines.reduce((n, l) => n + Buffer.byteLength(l), 0),
  };
}

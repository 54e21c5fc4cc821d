import type { Redis } from "ioredis";
import type { PrismaClient } from "../../db/client.js";
import type { Config } from "../platform/config.js";

export type DoctorStatus = "PASS" | "WARN" | "FAIL";

/** One line of the doctor's table: what was checked, how it went, and what to do about it. */
export interface DoctorResult {
  name: string;
  status: DoctorStatus;
  detail: string;
  /** What to change; empty for a PASS. */
  fix: string;
}

/** What the checks may look at. Every external call they make has `timeoutMs`. */
export interface DoctorContext {
  config: Config;
  /** The environment as given (process-manager markers, raw secret values). */
  env: NodeJS.ProcessEnv;
  prisma: PrismaClient;
  redis: Redis;
  /** The shop bot's API: an owner is reachable when the bot may write to them. */
  telegram: { sendChatAction(chatId: number, action: "typing"): Promise<unknown> };
  /** Repository root (db/migrations, .env.example). */
  root: string;
  timeoutMs: number;
  now: Date;
}

/** A group of checks (one file each). */
export type DoctorCheck = (ctx: DoctorContext) => Promise<DoctorResult[]>;

export const pass = (name: string, detail: string): DoctorResult => ({ name, status: "PASS", detail, fix: "" });
export const warn = (name: string, detail: string, fix: string): DoctorResult => ({ name, status: "WARN", detail, fix });
export const fail = (name: string, detail: string, fix: string): DoctorResult => ({ name, status: "FAIL", detail, fix });

/** An error as one safe line (clients already scrub secrets from their messages). */
export const reason = (err: unknown): string =>
  ((err instanceof Error ? err.message : String(err)).split("\n").map((l) => l.trim()).find(Boolean) ?? "unknown error").slice(0, 200);

import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { lang, t } from "../i18n";
import { useAppUser } from "../session";

/** "4 Des 14:05" in Jakarta time: when something happened, to the minute. */
export const dateTime = (iso: string): string =>
  new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "id-ID", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta" }).format(new Date(iso));

/** Whether the signed-in member holds `permission` (for showing a button; the server checks again). */
export function useCan(permission: string): boolean {
  return useAppUser().user.permissions.includes(permission);
}

/** An order status as a coloured chip. */
export const StatusChip = ({ status }: { status: string }) => <span class={`chip st-${status.toLowerCase()}`}>{t(`order.${status}`)}</span>;

/** A number typed into a form: whole, non-negative, or null when empty or not a number. */
export function wholeNumber(text: string): number | null {
  const cleaned = text.trim().replace(/^rp\.?\s*/i, "").replace(/[.,\s]/g, "");
  return /^\d{1,12}$/.test(cleaned) ? Number(cleaned) : null;
}

/** A change behind a confirmation: ask → busy → `done()` (reload), or the server's refusal kept in `error`. */
export function useConfirmed(method: "POST" | "PUT", path: string, done: () => void) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const confirm = async (body?: unknown) => {
    setBusy(true);
    try {
      await api(path, { method, ...(body !== undefined ? { body } : {}) });
      setError(null);
      done();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return { asking, ask: () => setAsking(true), dismiss: () => setAsking(false), busy, error, confirm };
}

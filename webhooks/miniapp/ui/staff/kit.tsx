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

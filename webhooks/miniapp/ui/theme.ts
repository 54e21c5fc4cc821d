import { onClientEvent, webApp, type ThemeParams } from "./telegram";

/** Telegram's theme keys → our CSS variables (--tg-<key with dashes>), with light defaults in app.css. */
const KEYS = ["bg_color", "text_color", "hint_color", "link_color", "button_color", "button_text_color", "secondary_bg_color", "header_bg_color", "accent_text_color", "section_bg_color", "section_header_text_color", "subtitle_text_color", "destructive_text_color"];

function luminance(hex: string): number | null {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return null;
  const n = parseInt(m[1]!, 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/**
 * Applies Telegram's theme parameters as CSS variables and sets `data-scheme` (light/dark) from the
 * background's brightness, as Telegram's own colorScheme is derived. Values that are not colours are ignored.
 */
export function applyTheme(params: ThemeParams): void {
  const root = document.documentElement;
  for (const key of KEYS) {
    const value = params[key];
    const name = `--tg-${key.replace(/_/g, "-")}`;
    if (value && /^#[0-9a-f]{3,8}$/i.test(value)) root.style.setProperty(name, value);
    else root.style.removeProperty(name);
  }
  const lum = params.bg_color ? luminance(params.bg_color) : null;
  root.dataset.scheme = lum !== null && lum < 0.5 ? "dark" : "light";
}

/** Follows theme changes while the app is open (the client's "theme_changed" event). */
export function followTheme(): void {
  const app = webApp();
  if (app?.onEvent) app.onEvent("themeChanged", () => applyTheme(app.themeParams ?? {}));
  else onClientEvent("theme_changed", (data) => applyTheme((data as { theme_params?: ThemeParams } | null)?.theme_params ?? {}));
}

/**
 * Headless Chromium for the Mini App tests: Debian's /usr/bin/chromium driven by playwright-core
 * (nothing downloads a browser), launched with the flags of shared/notes/offline-toolchain.md and a
 * fresh user-data-dir, at a phone's viewport. Pages open the app the way Telegram does: the launch
 * data (`tgWebAppData`, `tgWebAppThemeParams`) in the URL's hash.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Without the background-networking flags Chromium floods the closed network with refused connections. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A phone (iPhone 12–14 size), the size of the screenshots. */
export const PHONE = { width: 390, height: 844 };

/** Where screenshots go (gitignored). */
export const SCREENSHOTS = path.resolve("test-output", "miniapp");

/** Telegram's theme parameters as its clients send them: the day and the night theme. */
export const THEMES = {
  light: { bg_color: "#ffffff", text_color: "#000000", hint_color: "#707579", link_color: "#3390ec", button_color: "#3390ec", button_text_color: "#ffffff", secondary_bg_color: "#f4f4f5", section_bg_color: "#ffffff", header_bg_color: "#ffffff", accent_text_color: "#3390ec", destructive_text_color: "#e53935" },
  dark: { bg_color: "#212121", text_color: "#ffffff", hint_color: "#aaaaaa", link_color: "#8774e1", button_color: "#8774e1", button_text_color: "#ffffff", secondary_bg_color: "#181818", section_bg_color: "#2c2c2c", header_bg_color: "#212121", accent_text_color: "#8774e1", destructive_text_color: "#ff595a" },
} as const;

export interface Phone {
  context: BrowserContext;
  /**
   * Opens `/app` in a new tab with `initData` and the theme in the hash, as a Telegram client does;
   * `beforeLoad` is a script run in the page first (e.g. a client's `TelegramWebviewProxy`).
   */
  open(baseUrl: string, initData: string, theme?: keyof typeof THEMES, beforeLoad?: string): Promise<Page>;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile and a phone-sized viewport. */
export async function startPhone(): Promise<Phone> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const profile = mkdtempSync(path.join(os.tmpdir(), "miniapp-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: PHONE,
    deviceScaleFactor: 1,
    isMobile: false,
    acceptDownloads: true,
  });
  return {
    context,
    async open(baseUrl, initData, theme = "light", beforeLoad) {
      const page = await context.newPage();
      if (beforeLoad) await page.addInitScript(beforeLoad);
      const hash = new URLSearchParams({ tgWebAppData: initData, tgWebAppVersion: "8.0", tgWebAppPlatform: "android", tgWebAppThemeParams: JSON.stringify(THEMES[theme]) });
      await page.goto(`${baseUrl}/app/#${hash.toString()}`);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * What Telegram hands a Mini App, read without telegram-web-app.js (no CDN): the client opens the
 * page with `#tgWebAppData=<initData>&tgWebAppThemeParams=<json>&tgWebAppVersion=…` in the URL's
 * hash. `window.Telegram.WebApp` is used only when a client injected it (theme changes, back button,
 * file downloads); everything works without it.
 */

export type ThemeParams = Partial<Record<string, string>>;

interface WebAppLike {
  ready?: () => void;
  expand?: () => void;
  themeParams?: ThemeParams;
  onEvent?: (event: string, cb: () => void) => void;
  BackButton?: { show(): void; hide(): void; onClick(cb: () => void): void; offClick(cb: () => void): void };
  downloadFile?: (params: { url: string; file_name: string }, cb?: (accepted: boolean) => void) => void;
  close?: () => void;
}

export const webApp = (): WebAppLike | undefined => (window as unknown as { Telegram?: { WebApp?: WebAppLike } }).Telegram?.WebApp;

export interface Launch {
  initData: string | null;
  themeParams: ThemeParams;
}

const KEY = "miniapp.launch";

/**
 * The launch parameters, taken from the hash once and kept for the tab (sessionStorage): the
 * router owns the hash afterwards, and a reload must still know the theme.
 */
export function readLaunch(): Launch {
  const hash = new URLSearchParams(location.hash.slice(1));
  const initData = hash.get("tgWebAppData");
  if (initData !== null) {
    let themeParams: ThemeParams = {};
    try {
      themeParams = JSON.parse(hash.get("tgWebAppThemeParams") ?? "{}") as ThemeParams;
    } catch {
      themeParams = {};
    }
    const launch = { initData, themeParams };
    sessionStorage.setItem(KEY, JSON.stringify(launch));
    history.replaceState(null, "", `${location.pathname}${location.search}#/`);
    return launch;
  }
  const kept = sessionStorage.getItem(KEY);
  return kept ? (JSON.parse(kept) as Launch) : { initData: null, themeParams: {} };
}

/**
 * Talking to the Telegram client without telegram-web-app.js (no CDN). What Telegram hands the
 * page comes in the URL's hash: `#tgWebAppData=<initData>&tgWebAppThemeParams=<json>&…`. Calls to
 * the client are "web events" (core.telegram.org/api/web-events): `TelegramWebviewProxy.postEvent`
 * in the mobile and desktop apps, `window.external.notify`, or a message to the parent frame in
 * Telegram Web; the client answers through `window.Telegram.WebView.receiveEvent` or a message.
 * When a client did inject `window.Telegram.WebApp`, it is used instead.
 */

export type ThemeParams = Partial<Record<string, string>>;

interface WebAppLike {
  ready?: () => void;
  expand?: () => void;
  themeParams?: ThemeParams;
  onEvent?: (event: string, cb: () => void) => void;
  BackButton?: { show(): void; hide(): void; onClick(cb: () => void): void; offClick(cb: () => void): void };
  downloadFile?: (params: { url: string; file_name: string }) => void;
  close?: () => void;
}

type Bridge = {
  Telegram?: { WebApp?: WebAppLike; WebView?: { receiveEvent?: (name: string, data: unknown) => void } };
  TelegramWebviewProxy?: { postEvent(type: string, data: string): void };
  external?: { notify?: (json: string) => void };
};

const win = window as unknown as Bridge;
export const webApp = (): WebAppLike | undefined => win.Telegram?.WebApp;

/** Telegram Web's origin: the only parent frame our events go to. */
const TELEGRAM_WEB = "https://web.telegram.org";

/** Sends a web event to the client; false when the page is not inside a Telegram client. */
export function postEvent(eventType: string, eventData: Record<string, unknown> = {}): boolean {
  if (win.TelegramWebviewProxy?.postEvent) {
    win.TelegramWebviewProxy.postEvent(eventType, JSON.stringify(eventData));
    return true;
  }
  if (typeof win.external?.notify === "function") {
    win.external.notify(JSON.stringify({ eventType, eventData }));
    return true;
  }
  if (window.parent !== window) {
    window.parent.postMessage(JSON.stringify({ eventType, eventData }), TELEGRAM_WEB);
    return true;
  }
  return false;
}

const listeners = new Map<string, Set<(data: unknown) => void>>();
const dispatch = (name: string, data: unknown) => listeners.get(name)?.forEach((cb) => cb(data));

/** Events from the client ("back_button_pressed", "theme_changed", …). */
export function onClientEvent(name: string, cb: (data: unknown) => void): () => void {
  if (!listeners.has(name)) listeners.set(name, new Set());
  listeners.get(name)!.add(cb);
  return () => listeners.get(name)?.delete(cb);
}

/** Installs the receivers once: the clients' `receiveEvent`, and Telegram Web's messages. */
function listen(): void {
  if (webApp()) return; // telegram-web-app.js owns receiveEvent when it is there
  win.Telegram = win.Telegram ?? {};
  win.Telegram.WebView = { ...win.Telegram.WebView, receiveEvent: dispatch };
  window.addEventListener("message", (e: MessageEvent) => {
    if (e.origin !== TELEGRAM_WEB || typeof e.data !== "string") return;
    try {
      const { eventType, eventData } = JSON.parse(e.data) as { eventType?: string; eventData?: unknown };
      if (eventType) dispatch(eventType, eventData);
    } catch {
      // not one of Telegram's messages
    }
  });
}

/** Tells the client the page is ready and may take the full height. */
export function announceReady(): void {
  listen();
  const app = webApp();
  if (app) {
    app.ready?.();
    app.expand?.();
    return;
  }
  postEvent("web_app_ready");
  postEvent("web_app_expand");
}

/** Shows or hides the client's back button; `onPress` runs when it is tapped. False outside Telegram (the page shows its own). */
export function clientBackButton(visible: boolean, onPress: () => void): { shown: boolean; release: () => void } {
  const app = webApp()?.BackButton;
  if (app) {
    if (visible) {
      app.show();
      app.onClick(onPress);
    } else app.hide();
    return { shown: true, release: () => app.offClick(onPress) };
  }
  const shown = postEvent("web_app_setup_back_button", { is_visible: visible });
  const off = onClientEvent("back_button_pressed", onPress);
  return { shown, release: off };
}

/** Asks the client to download a file (Bot API 8.0); false when it cannot (then the page downloads itself). */
export function clientDownload(url: string, fileName: string): boolean {
  const app = webApp();
  if (app?.downloadFile) {
    app.downloadFile({ url, file_name: fileName });
    return true;
  }
  return postEvent("web_app_request_file_download", { url, file_name: fileName });
}

/** Closes the Mini App (after logging out). */
export function closeApp(): void {
  if (webApp()?.close) webApp()!.close!();
  else postEvent("web_app_close");
}

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

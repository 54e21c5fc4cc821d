import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, hasSession, setSessionToken, whenSessionEnds } from "./api";
import { setLang, t } from "./i18n";
import type { AppUser } from "./session";
import { Shell } from "./shell";
import { announceReady, readLaunch, webApp } from "./telegram";
import { applyTheme, followTheme } from "./theme";
import "./app.css";

/**
 * Start-up: theme from the launch, then a session. A session kept for this tab is reused (a reload
 * must not spend the launch again: each initData opens one session only); otherwise the launch's
 * initData is exchanged for one. Without either, the app says to open it from the chat.
 */
const launch = readLaunch();
applyTheme(webApp()?.themeParams ?? launch.themeParams);
announceReady();
followTheme();

type Boot = { state: "loading" } | { state: "ready"; user: AppUser } | { state: "refused"; key: string };

const REFUSAL_KEYS: Record<string, string> = {
  initdata_missing: "auth.missing",
  initdata_expired: "auth.expired",
  initdata_replayed: "auth.replayed",
  banned: "auth.banned",
  blocked: "auth.banned",
  session_invalid: "auth.ended",
};

async function signIn(): Promise<AppUser> {
  if (hasSession()) {
    try {
      return await api<AppUser>("/me");
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
    }
  }
  if (!launch.initData) throw new ApiError(401, "initdata_missing", "no initData");
  const opened = await api<{ token: string; user: AppUser }>("/session", { method: "POST", body: { initData: launch.initData } });
  setSessionToken(opened.token);
  return opened.user;
}

function App() {
  const [boot, setBoot] = useState<Boot>({ state: "loading" });
  useEffect(() => {
    whenSessionEnds(() => setBoot({ state: "refused", key: "auth.ended" }));
    signIn().then(
      (user) => {
        setLang(user.language);
        setBoot({ state: "ready", user });
      },
      (err: unknown) => setBoot({ state: "refused", key: (err instanceof ApiError && REFUSAL_KEYS[err.code]) || "auth.invalid" }),
    );
  }, []);
  if (boot.state === "loading") return <p class="muted center">{t("auth.opening")}</p>;
  if (boot.state === "refused")
    return (
      <div class="notice error page" role="alert" data-testid="auth-refused">
        {t(boot.key)}
      </div>
    );
  return <Shell user={boot.user} />;
}

render(<App />, document.getElementById("root")!);

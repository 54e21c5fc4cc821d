import { useEffect, useMemo, useState } from "preact/hooks";
import { staffRoutes } from "staff-routes";
import { customerRoutes, TABS } from "./customer-routes";
import { setLang, t } from "./i18n";
import { allowed, match, navigate, usePath, type PageRoute } from "./router";
import { UserContext, type AppUser } from "./session";
import { clientBackButton } from "./telegram";

/** The staff index: the staff pages this user may open (the server checks each call again). */
function StaffIndex({ routes }: { routes: PageRoute[] }) {
  return (
    <ul class="list card">
      {routes
        .filter((r) => r.menu !== false && !r.path.includes(":"))
        .map((r) => (
          <li key={r.path}>
            <a href={`#/${r.path}`} class="list-item">
              {t(r.title)}
            </a>
          </li>
        ))}
    </ul>
  );
}

/**
 * The app's frame: title bar, the page for the current hash, and a bottom tab bar (VPS, orders,
 * wallet, settings, and Staff for those holding a staff permission). Pages that are not a tab
 * get Telegram's back button when the client offers one, and an in-page back link otherwise.
 */
export function Shell(props: { user: AppUser }) {
  const [user, setUserState] = useState(props.user);
  const setUser = (next: AppUser) => {
    setLang(next.language);
    setUserState(next);
  };
  const path = usePath();
  const staff = useMemo(() => staffRoutes.filter((r) => allowed(r, user.permissions)), [user.permissions]);
  const routes = useMemo<PageRoute[]>(() => [...customerRoutes, ...(staff.length > 0 ? [{ path: "staff", title: "nav.staff", render: () => <StaffIndex routes={staff} /> }] : []), ...staff], [staff]);
  useEffect(() => {
    if (path === "") navigate("vps");
  }, [path]);
  const found = match(routes, path || "vps");
  const tab = TABS.find((tb) => path === tb.path || path.startsWith(`${tb.path}/`))?.path ?? (path.startsWith("staff") ? "staff" : "");
  const isTab = TABS.some((tb) => tb.path === path) || path === "staff";

  // Telegram's own back button on pages that are not a tab; the page's own "‹" when the client has none.
  const [clientBack, setClientBack] = useState(false);
  useEffect(() => {
    const back = clientBackButton(!isTab, () => history.back());
    setClientBack(back.shown);
    return back.release;
  }, [isTab]);

  return (
    <UserContext.Provider value={{ user, setUser }}>
      <div class="app">
        <header class="topbar">
          {!isTab && !clientBack && (
            <button class="link back" onClick={() => history.back()} aria-label={t("common.back")}>
              ‹
            </button>
          )}
          <h1>{found ? t(found.route.title) : t("app.title")}</h1>
        </header>
        <main class="page">{found ? found.route.render(found.params) : <p class="muted center">404</p>}</main>
        <nav class="tabbar">
          {[...TABS, ...(staff.length > 0 ? [{ path: "staff", title: "nav.staff", icon: "★" }] : [])].map((tb) => (
            <a key={tb.path} href={`#/${tb.path}`} class={tab === tb.path ? "tab active" : "tab"} aria-current={tab === tb.path ? "page" : undefined}>
              <span class="icon" aria-hidden="true">
                {tb.icon}
              </span>
              <span>{t(tb.title)}</span>
            </a>
          ))}
        </nav>
      </div>
    </UserContext.Provider>
  );
}

import { useState } from "preact/hooks";
import { api, setSessionToken } from "../api";
import { Row, Section } from "../components";
import { t, type Lang } from "../i18n";
import { useAppUser, type AppUser } from "../session";
import { closeApp } from "../telegram";

const LANGUAGES: Array<[Lang, string]> = [
  ["id", "Bahasa Indonesia"],
  ["en", "English"],
];

export function SettingsPage() {
  const { user, setUser } = useAppUser();
  const [busy, setBusy] = useState(false);
  const choose = async (language: Lang) => {
    setBusy(true);
    try {
      setUser(await api<AppUser>("/me/language", { method: "PUT", body: { language } }));
    } finally {
      setBusy(false);
    }
  };
  const logout = async () => {
    await api("/session", { method: "DELETE" }).catch(() => undefined);
    setSessionToken(null);
    closeApp();
  };
  return (
    <>
      <Section title={t("settings.language")}>
        <div class="stack" role="radiogroup">
          {LANGUAGES.map(([code, name]) => (
            <label key={code} class="choice">
              <input type="radio" name="lang" checked={user.language === code} disabled={busy} onChange={() => choose(code)} data-testid={`lang-${code}`} />
              {name}
            </label>
          ))}
        </div>
      </Section>
      {user.reseller && (
        <Section>
          <a href="#/settings/api-keys" class="list-item" data-testid="open-api-keys">
            {t("apikeys.entry")}
          </a>
          <p class="muted small">{t("apikeys.entry-hint")}</p>
        </Section>
      )}
      <Section title={t("settings.account")}>
        <Row label="Telegram">{user.firstName}</Row>
        {user.staffRole && <Row label={t("nav.staff")}>{user.staffRole}</Row>}
        <button class="btn secondary" onClick={logout}>
          {t("settings.logout")}
        </button>
      </Section>
    </>
  );
}

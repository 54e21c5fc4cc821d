import { useState } from "preact/hooks";
import { api } from "../api";
import { Confirm, Loaded, Section, useApi } from "../components";
import { date, t } from "../i18n";
import "./api-keys.css";
import "./api-keys.strings";
import { NoticeLine, ShownOnce, useChange, type Notice } from "./api-once";
import { WebhookSection } from "./api-webhook";

interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface KeyList {
  keys: ApiKey[];
  scopes: string[];
  maxActive: number;
  maxNameChars: number;
}

const defaultName = () => `Mini App ${new Date().toISOString().slice(0, 10)}`;

/** Name and scopes for a new key; the answer's whole key goes up to the page, shown once. */
function NewKey({ list, busy, run, onCreated }: { list: KeyList; busy: boolean; run: (call: () => Promise<Notice>) => Promise<void>; onCreated: (key: ApiKey, token: string) => void }) {
  const [name, setName] = useState(defaultName);
  const [scopes, setScopes] = useState<string[]>(["read"]);
  const full = list.keys.filter((k) => !k.revokedAt).length >= list.maxActive;
  const flip = (scope: string) => setScopes((s) => (s.includes(scope) ? s.filter((x) => x !== scope) : [...s, scope]));
  const create = () =>
    run(async () => {
      const made = await api<{ key: ApiKey; token: string }>("/api-keys", { method: "POST", body: { name, scopes } });
      setName(defaultName());
      onCreated(made.key, made.token);
      return null;
    });
  if (full) return <p class="muted">{t("apikeys.max", { max: list.maxActive })}</p>;
  return (
    <>
      <label class="field">
        <span class="muted small">{t("apikeys.name")}</span>
        <input type="text" value={name} maxLength={list.maxNameChars} onInput={(e) => setName(e.currentTarget.value)} data-testid="key-name" />
      </label>
      <div class="muted small">{t("apikeys.scopes")}</div>
      {list.scopes.map((scope) => (
        <label key={scope} class="choice">
          <input type="checkbox" checked={scopes.includes(scope)} onChange={() => flip(scope)} data-testid={`scope-${scope}`} />
          {t(`apikeys.scope.${scope}`)}
        </label>
      ))}
      <button class="btn" disabled={busy || scopes.length === 0 || name.trim() === ""} onClick={create} data-testid="key-create">
        {t("apikeys.create")}
      </button>
    </>
  );
}

function KeyItem({ k, onRevoke }: { k: ApiKey; onRevoke: (k: ApiKey) => void }) {
  return (
    <li class={k.revokedAt ? "key revoked" : "key"} data-testid={`key-${k.prefix}`}>
      <div class="row spread">
        <strong>{k.name}</strong>
        {!k.revokedAt && (
          <button class="btn secondary warn small" onClick={() => onRevoke(k)}>
            {t("apikeys.revoke")}
          </button>
        )}
      </div>
      <div class="small">
        <code>vsk_{k.prefix}_…</code> · {k.scopes.join(", ")}
      </div>
      <div class="muted small">
        {k.revokedAt ? t("apikeys.revoked-on", { date: date(k.revokedAt) }) : k.lastUsedAt ? t("apikeys.used", { date: date(k.lastUsedAt) }) : t("apikeys.never-used")}
      </div>
    </li>
  );
}

/**
 * The reseller API page: keys (made with a name and scopes — the whole key shown once, here only —,
 * listed by prefix, revoked after a confirmation) and the webhook endpoint. The server decides who
 * may (resellers only) and refuses as the chat's /apikeys does.
 */
export function ApiKeysPage() {
  const result = useApi<KeyList>("/api-keys");
  const [fresh, setFresh] = useState<{ prefix: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const { busy, notice, run } = useChange(() => {
    setRevoking(null);
    result.reload();
  });
  const revoke = (key: ApiKey) =>
    run(async () => {
      await api(`/api-keys/${key.id}/revoke`, { method: "POST", body: { confirm: true } });
      return { kind: "ok", text: t("apikeys.revoked", { prefix: key.prefix }) };
    });
  return (
    <div class="api-ui">
      <Loaded result={result}>
        {(list) => (
          <>
            {fresh && <ShownOnce title={t("apikeys.once-title", { prefix: fresh.prefix })} text={t("apikeys.once-text")} value={fresh.token} testId="new-key" onDone={() => setFresh(null)} />}
            <NoticeLine notice={notice} />
            <Section title={t("apikeys.list")}>
              {list.keys.length === 0 ? (
                <p class="muted">{t("apikeys.empty")}</p>
              ) : (
                <ul class="list plain">
                  {list.keys.map((k) => (
                    <KeyItem key={k.id} k={k} onRevoke={setRevoking} />
                  ))}
                </ul>
              )}
            </Section>
            <Section title={t("apikeys.new")}>
              <NewKey list={list} busy={busy} run={run} onCreated={(key, token) => setFresh({ prefix: key.prefix, token })} />
            </Section>
            <WebhookSection />
            <p class="small center">
              {t("apikeys.intro")}{" "}
              <a href="/api/v1/docs" target="_blank" rel="noopener">
                {t("apikeys.docs")}
              </a>
            </p>
            {revoking && (
              <Confirm
                title={t("apikeys.revoke-title", { prefix: revoking.prefix })}
                text={t("apikeys.revoke-text", { name: revoking.name })}
                busy={busy}
                onCancel={() => setRevoking(null)}
                onConfirm={() => revoke(revoking)}
              />
            )}
          </>
        )}
      </Loaded>
    </div>
  );
}

import { useState } from "preact/hooks";
import { api } from "../api";
import { Confirm, Loaded, Section, useApi } from "../components";
import { date, t } from "../i18n";
import { NoticeLine, ShownOnce, useChange } from "./api-once";

interface Endpoint {
  url: string;
  enabled: boolean;
}

interface Delivery {
  id: number;
  type: string;
  status: "PENDING" | "DELIVERED" | "FAILED";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

interface WebhookState {
  endpoint: Endpoint | null;
  deliveries: Delivery[];
  totalDeliveries: number;
}

type Ask = "rotate" | "disable" | null;

const STATUS_CLASS: Record<Delivery["status"], string> = { PENDING: "", DELIVERED: "s-active", FAILED: "s-off" };

function DeliveryLog({ items }: { items: Delivery[] }) {
  if (items.length === 0) return <p class="muted small">{t("webhook.log-empty")}</p>;
  return (
    <ul class="list plain">
      {items.map((d) => (
        <li key={d.id} class="delivery">
          <div class="row spread">
            <code>{d.type}</code>
            <span class={`badge ${STATUS_CLASS[d.status]}`}>{t(`delivery.${d.status}`)}</span>
          </div>
          <div class="muted small">
            {date(d.createdAt)} · {t("webhook.attempts", { n: d.attempts })}
            {d.lastStatus !== null && ` · HTTP ${d.lastStatus}`}
            {d.lastError && ` · ${d.lastError}`}
          </div>
        </li>
      ))}
    </ul>
  );
}

/**
 * The reseller's webhook endpoint: its address and state, set (a new endpoint's signing secret is
 * shown once), a new secret and switching off (each asked first), and the latest deliveries.
 */
export function WebhookSection() {
  const result = useApi<WebhookState>("/webhook-endpoint");
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const [ask, setAsk] = useState<Ask>(null);
  const { busy, notice, run } = useChange(() => {
    setAsk(null);
    result.reload();
  });
  const save = () =>
    run(async () => {
      const saved = await api<{ endpoint: Endpoint; secret?: string }>("/webhook-endpoint", { method: "PUT", body: { url: url.trim() } });
      if (saved.secret) setSecret(saved.secret);
      setUrl("");
      return { kind: "ok", text: t("webhook.saved", { url: saved.endpoint.url }) };
    });
  const rotate = () =>
    run(async () => {
      setSecret((await api<{ secret: string }>("/webhook-endpoint/rotate", { method: "POST", body: { confirm: true } })).secret);
      return null;
    });
  const disable = () =>
    run(async () => {
      await api("/webhook-endpoint", { method: "DELETE" });
      return { kind: "ok", text: t("webhook.disabled") };
    });

  return (
    <>
      {secret && <ShownOnce title={t("webhook.secret-title")} text={t("webhook.secret-text")} value={secret} testId="webhook-secret" onDone={() => setSecret(null)} />}
      <Section title={t("webhook.title")}>
        <Loaded result={result}>
          {(w) => (
            <>
              <p class="small muted">{t("webhook.intro")}</p>
              {w.endpoint ? (
                <p class="url" data-testid="webhook-url">
                  {w.endpoint.url} <span class={w.endpoint.enabled ? "badge s-active" : "badge s-off"}>{t(w.endpoint.enabled ? "webhook.on" : "webhook.off")}</span>
                </p>
              ) : (
                <p class="muted">{t("webhook.none")}</p>
              )}
              <NoticeLine notice={notice} />
              <label class="field">
                <input type="url" inputMode="url" placeholder={t("webhook.url")} value={url} onInput={(e) => setUrl(e.currentTarget.value)} data-testid="webhook-input" />
              </label>
              <div class="row">
                <button class="btn" disabled={busy || url.trim() === ""} onClick={save} data-testid="webhook-save">
                  {t("webhook.save")}
                </button>
                {w.endpoint?.enabled && (
                  <>
                    <button class="btn secondary" disabled={busy} onClick={() => setAsk("rotate")}>
                      {t("webhook.rotate")}
                    </button>
                    <button class="btn secondary warn" disabled={busy} onClick={() => setAsk("disable")}>
                      {t("webhook.disable")}
                    </button>
                  </>
                )}
              </div>
              <h2 class="section-title" style="margin-top:14px">
                {t("webhook.log")}
              </h2>
              <DeliveryLog items={w.deliveries} />
            </>
          )}
        </Loaded>
      </Section>
      {ask && <Confirm title={t(`webhook.${ask}-title`)} text={t(`webhook.${ask}-text`)} busy={busy} onCancel={() => setAsk(null)} onConfirm={ask === "rotate" ? rotate : disable} />}
    </>
  );
}

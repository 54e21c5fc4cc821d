import { Loaded, useApi } from "../components";
import { date, t } from "../i18n";

interface VpsItem {
  id: number;
  label: string;
  status: string;
  ip: string | null;
  plan: string;
  clientLabel: string | null;
  expiresAt: string;
}

export function VpsListPage() {
  const result = useApi<{ items: VpsItem[] }>("/vps");
  return (
    <Loaded result={result}>
      {({ items }) =>
        items.length === 0 ? (
          <p class="muted center">{t("vps.empty")}</p>
        ) : (
          <ul class="list">
            {items.map((v) => (
              <li key={v.id}>
                <a class="card list-item vps-item" href={`#/vps/${v.id}`} data-testid={`vps-${v.id}`}>
                  <div class="row spread">
                    <strong>{v.clientLabel ? `${v.clientLabel} · ${v.label}` : v.label}</strong>
                    <span class={`badge s-${v.status.toLowerCase()}`}>{t(`status.${v.status}`)}</span>
                  </div>
                  <div class="muted small">
                    {v.plan} · {v.ip ?? "…"}
                  </div>
                  <div class="muted small">{t("vps.expires", { date: date(v.expiresAt) })}</div>
                </a>
              </li>
            ))}
          </ul>
        )
      }
    </Loaded>
  );
}

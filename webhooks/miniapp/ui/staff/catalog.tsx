import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { Loaded, useApi } from "../components";
import { t } from "../i18n";
import { wholeNumber } from "./kit";
import type { PriceGrid } from "./types";

type CellState = { kind: "idle" } | { kind: "saving" } | { kind: "saved" } | { kind: "error"; message: string };

const groupDigits = (n: number) => new Intl.NumberFormat("id-ID").format(n);

/**
 * The price editor: every plan × every duration in one table. A price is saved when Enter is
 * pressed or the field is left (through /shop's setPlanPrice: audited, the catalog's version
 * moves); the tick switches that duration on or off; the switch by the name the whole plan.
 */
export function CatalogPage() {
  const result = useApi<PriceGrid>("/staff/catalog");
  return (
    <Loaded result={result}>
      {(grid) => (
        <>
          <p class="muted small">{t("cat.hint")}</p>
          <div class="table-wrap">
            <table class="table grid" data-testid="price-grid">
              <thead>
                <tr>
                  <th class="sticky">{t("cat.plan")}</th>
                  {grid.durations.map((m) => (
                    <th key={m} class="num">
                      {t("cat.months", { months: m })}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {grid.providers.map((provider) => [
                  <tr key={provider.code} class="group">
                    <th colSpan={grid.durations.length + 1}>
                      {provider.name}
                      {!provider.active && <span class="muted small"> · {t("cat.provider-off")}</span>}
                    </th>
                  </tr>,
                  ...grid.rows
                    .filter((row) => row.providerCode === provider.code)
                    .map((row) => (
                      <tr key={row.id} class={row.active ? "" : "off"}>
                        <td class="sticky">
                          <PlanSwitch planId={row.id} name={row.name} active={row.active} />
                          <div class="muted small">
                            {row.region} · {row.specs.vcpu} vCPU · {row.specs.memoryMb / 1024} GB · {row.specs.diskGb} GB · {t("cat.stock")} {row.stock ?? t("cat.unlimited")}
                          </div>
                        </td>
                        {grid.durations.map((m) => (
                          <td key={m}>
                            <PriceCell planId={row.id} months={m} price={row.prices[String(m)] ?? null} planName={row.name} />
                          </td>
                        ))}
                      </tr>
                    )),
                ])}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Loaded>
  );
}

function PlanSwitch({ planId, name, active }: { planId: number; name: string; active: boolean }) {
  const [on, setOn] = useState(active);
  const [busy, setBusy] = useState(false);
  const toggle = async () => {
    setBusy(true);
    try {
      await api(`/staff/catalog/plans/${planId}/active`, { method: "PUT", body: { active: !on } });
      setOn(!on);
    } finally {
      setBusy(false);
    }
  };
  return (
    <label class="switch-label">
      <input type="checkbox" role="switch" checked={on} disabled={busy} onChange={toggle} aria-label={`${t("cat.on")}: ${name}`} />
      <strong>{name}</strong>
    </label>
  );
}

function PriceCell({ planId, months, price, planName }: { planId: number; months: number; price: { priceIdr: number; active: boolean } | null; planName: string }) {
  const [saved, setSaved] = useState(price);
  const [text, setText] = useState(price ? groupDigits(price.priceIdr) : "");
  const [state, setState] = useState<CellState>({ kind: "idle" });

  const save = async () => {
    if (text.trim() === "" && !saved) return;
    const value = wholeNumber(text);
    if (value === null || value < 1) return setState({ kind: "error", message: t("cat.bad") });
    if (saved && value === saved.priceIdr) return setState({ kind: "idle" });
    setState({ kind: "saving" });
    try {
      await api(`/staff/catalog/plans/${planId}/prices/${months}`, { method: "PUT", body: { priceIdr: value } });
      setSaved({ priceIdr: value, active: true });
      setText(groupDigits(value));
      setState({ kind: "saved" });
    } catch (err) {
      setState({ kind: "error", message: err instanceof ApiError ? err.message : String(err) });
    }
  };

  const toggle = async () => {
    if (!saved) return;
    setState({ kind: "saving" });
    try {
      await api(`/staff/catalog/plans/${planId}/prices/${months}/active`, { method: "PUT", body: { active: !saved.active } });
      setSaved({ ...saved, active: !saved.active });
      setState({ kind: "saved" });
    } catch (err) {
      setState({ kind: "error", message: err instanceof ApiError ? err.message : String(err) });
    }
  };

  const label = `${planName} ${t("cat.months", { months })}`;
  return (
    <div class={`cell ${state.kind} ${saved && !saved.active ? "inactive" : ""}`}>
      <div class="row tight">
        <input
          class="price"
          inputMode="numeric"
          value={text}
          aria-label={label}
          data-testid={`price-${planId}-${months}`}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
          onBlur={save}
        />
        {saved && <input type="checkbox" checked={saved.active} onChange={toggle} aria-label={`${t("cat.on")}: ${label}`} />}
      </div>
      {state.kind === "saving" && <div class="muted tiny">{t("cat.saving")}</div>}
      {state.kind === "saved" && (
        <div class="ok tiny" data-testid={`saved-${planId}-${months}`}>
          ✓ {t("staff.saved")}
        </div>
      )}
      {state.kind === "error" && (
        <div class="err tiny" role="alert">
          {state.message}
        </div>
      )}
    </div>
  );
}

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
  // null: the public prices; a tier id: that reseller tier's prices, in the same table.
  const [tierId, setTierId] = useState<number | null>(null);
  return (
    <Loaded result={result}>
      {(grid) => (
        <>
          {grid.tiers.length > 0 && (
            <div class="segmented" role="tablist">
              {[{ id: null, name: t("cat.public") }, ...grid.tiers].map((tier) => (
                <button key={tier.id ?? 0} role="tab" aria-selected={tier.id === tierId} class={tier.id === tierId ? "active" : ""} onClick={() => setTierId(tier.id)}>
                  {tier.name}
                </button>
              ))}
            </div>
          )}
          <p class="muted small">{t(tierId === null ? "cat.hint" : "cat.tier-hint")}</p>
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
                          <td key={`${tierId ?? 0}-${m}`}>
                            {tierId === null ? (
                              <PriceCell planId={row.id} months={m} price={row.prices[String(m)] ?? null} planName={row.name} />
                            ) : (
                              <TierPriceCell planId={row.id} tierId={tierId} months={m} price={row.resellerPrices[String(tierId)]?.[String(m)] ?? null} publicPrice={row.prices[String(m)]?.priceIdr ?? null} planName={row.name} />
                            )}
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
  const [error, setError] = useState<string | null>(null);
  const toggle = async () => {
    setBusy(true);
    try {
      await api(`/staff/catalog/plans/${planId}/active`, { method: "PUT", body: { active: !on } });
      setOn(!on);
      setError(null);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <label class="switch-label">
        <input type="checkbox" role="switch" checked={on} disabled={busy} onChange={toggle} aria-label={`${t("cat.on")}: ${name}`} />
        <strong>{name}</strong>
      </label>
      {error && (
        <div class="err tiny" role="alert">
          {error}
        </div>
      )}
    </>
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
      <CellStatus state={state} testId={`saved-${planId}-${months}`} />
    </div>
  );
}

/** A reseller tier's price: typed and saved like a public one; emptied, the tier pays the public price (shown greyed). */
function TierPriceCell(props: { planId: number; tierId: number; months: number; price: number | null; publicPrice: number | null; planName: string }) {
  const [saved, setSaved] = useState(props.price);
  const [text, setText] = useState(props.price ? groupDigits(props.price) : "");
  const [state, setState] = useState<CellState>({ kind: "idle" });
  const save = async () => {
    const value = text.trim() === "" ? null : wholeNumber(text);
    if (text.trim() !== "" && (value === null || value < 1)) return setState({ kind: "error", message: t("cat.bad") });
    if (value === saved) return setState({ kind: "idle" });
    setState({ kind: "saving" });
    try {
      await api(`/staff/catalog/plans/${props.planId}/tiers/${props.tierId}/prices/${props.months}`, { method: "PUT", body: { priceIdr: value } });
      setSaved(value);
      setText(value === null ? "" : groupDigits(value));
      setState({ kind: "saved" });
    } catch (err) {
      setState({ kind: "error", message: err instanceof ApiError ? err.message : String(err) });
    }
  };
  return (
    <div class={`cell ${state.kind}`}>
      <input
        class="price"
        inputMode="numeric"
        value={text}
        placeholder={props.publicPrice ? groupDigits(props.publicPrice) : ""}
        aria-label={`${props.planName} ${t("cat.months", { months: props.months })}`}
        data-testid={`tier-price-${props.planId}-${props.months}`}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
        onBlur={save}
      />
      <CellStatus state={state} testId={`saved-${props.tierId}-${props.planId}-${props.months}`} />
    </div>
  );
}

/** Under a price: saving…, ✓ saved, or why it was not saved. */
function CellStatus({ state, testId }: { state: CellState; testId: string }) {
  if (state.kind === "saving") return <div class="muted tiny">{t("cat.saving")}</div>;
  if (state.kind === "saved")
    return (
      <div class="ok tiny" data-testid={testId}>
        ✓ {t("staff.saved")}
      </div>
    );
  if (state.kind === "error")
    return (
      <div class="err tiny" role="alert">
        {state.message}
      </div>
    );
  return null;
}

import { idr, t } from "../i18n";
import { Loaded, useApi } from "../components";
import { navigate } from "../router";
import type { PendingItem } from "./types";

/** The pending queue, oldest first, as /pending lists it for this member; a row opens the order. */
export function PendingPage() {
  const result = useApi<{ items: PendingItem[] }>("/staff/pending");
  return (
    <Loaded result={result}>
      {({ items }) => (
        <>
          <p class="muted small">{t("pend.hint")}</p>
          {items.length === 0 ? (
            <p class="muted center">{t("pend.empty")}</p>
          ) : (
            <ul class="list" data-testid="pending-list">
              {items.map((item) => (
                <li key={item.key} class="list-item" onClick={() => navigate(`staff/orders/${item.reference}`)}>
                  <div class="row spread">
                    <strong>{t(`pend.kind.${item.kind}`)}</strong>
                    <span class="muted small">{t("pend.age", { value: item.age.value, unit: t(`pend.unit.${item.age.unit}`) })}</span>
                  </div>
                  <div class="row spread">
                    <span class="mono">{item.reference}</span>
                    <span>
                      {item.receivedIdr != null && item.receivedIdr !== item.expectedIdr
                        ? t("pend.received", { received: idr(item.receivedIdr), expected: idr(item.expectedIdr) })
                        : idr(item.expectedIdr)}
                    </span>
                  </div>
                  {item.deadlineNear && <div class="warn small">{t("pend.deadline")}</div>}
                  {item.lastError && <div class="muted small clip">{item.lastError}</div>}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Loaded>
  );
}

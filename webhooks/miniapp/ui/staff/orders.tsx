import { useState } from "preact/hooks";
import { idr, t } from "../i18n";
import { Loaded, useApi } from "../components";
import { navigate } from "../router";
import { dateTime, StatusChip } from "./kit";
import type { OrderPage } from "./types";

interface Filter {
  q: string;
  status: string;
  provider: string;
  from: string;
  to: string;
}

const EMPTY: Filter = { q: "", status: "", provider: "", from: "", to: "" };
const STATUSES = ["PENDING_PAYMENT", "PAYMENT_REVIEW", "PAID", "PROVISIONING", "PROVISIONING_FAILED", "ACTIVE", "EXPIRED", "CANCELLED", "REFUNDED"];
const PROVIDERS: Record<string, string> = { DIGITALOCEAN: "DigitalOcean", VULTR: "Vultr", LINODE: "Linode" };

function query(filter: Filter, cursor: { before?: number; after?: number }): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  if (cursor.before) params.set("before", String(cursor.before));
  if (cursor.after) params.set("after", String(cursor.after));
  const text = params.toString();
  return `/staff/orders${text ? `?${text}` : ""}`;
}

/** The orders table: the console's search (text, status, provider, Jakarta days), newest first, paged by keyset. */
export function OrdersPage() {
  const [draft, setDraft] = useState<Filter>(EMPTY);
  const [filter, setFilter] = useState<Filter>(EMPTY);
  const [cursor, setCursor] = useState<{ before?: number; after?: number }>({});
  const result = useApi<OrderPage>(query(filter, cursor));

  const apply = (next: Filter) => {
    setDraft(next);
    setFilter(next);
    setCursor({});
  };
  const pick = (key: keyof Filter) => (e: Event) => apply({ ...draft, [key]: (e.target as HTMLInputElement).value });

  return (
    <>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <div class="row">
          <input type="search" class="grow" placeholder={t("ord.filter.q")} value={draft.q} onInput={(e) => setDraft({ ...draft, q: (e.target as HTMLInputElement).value })} aria-label={t("ord.filter.q")} />
          <button class="btn small" type="submit">
            {t("staff.search")}
          </button>
        </div>
        <div class="row">
          <select value={draft.status} onChange={pick("status")} aria-label={t("ord.filter.status")} data-testid="filter-status">
            <option value="">{t("ord.filter.status")}: {t("staff.all")}</option>
            {STATUSES.map((s) => (
              <option value={s}>{t(`order.${s}`)}</option>
            ))}
          </select>
          <select value={draft.provider} onChange={pick("provider")} aria-label={t("ord.filter.provider")}>
            <option value="">{t("ord.filter.provider")}: {t("staff.all")}</option>
            {Object.entries(PROVIDERS).map(([code, name]) => (
              <option value={code}>{name}</option>
            ))}
          </select>
        </div>
        <div class="row">
          <label class="grow small">
            {t("ord.filter.from")} <input type="date" value={draft.from} onChange={pick("from")} />
          </label>
          <label class="grow small">
            {t("ord.filter.to")} <input type="date" value={draft.to} onChange={pick("to")} />
          </label>
        </div>
      </form>
      <Loaded result={result}>
        {(page) =>
          page.rows.length === 0 ? (
            <p class="muted center">{t("ord.empty")}</p>
          ) : (
            <>
              <div class="table-wrap">
                <table class="table" data-testid="orders-table">
                  <thead>
                    <tr>
                      <th>{t("ord.col.ref")}</th>
                      <th class="num">
                        {t("ord.col.total")} · {t("ord.col.status")}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.rows.map((row) => (
                      <tr key={row.id} onClick={() => navigate(`staff/orders/${row.reference}`)} class="clickable">
                        <td>
                          <div class="mono small">{row.reference}</div>
                          <div class="muted small clip">
                            {row.customer} · {dateTime(row.createdAt)}
                          </div>
                          {row.planName && <div class="muted small clip">{row.planName}</div>}
                        </td>
                        <td class="num">
                          <div class="amount">{idr(row.totalIdr)}</div>
                          <StatusChip status={row.status} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div class="row spread pager">
                <button class="btn secondary small" disabled={!page.hasNewer} onClick={() => setCursor({ after: page.rows[0]!.id })}>
                  {t("staff.newer")}
                </button>
                <button class="btn secondary small" disabled={!page.hasOlder} onClick={() => setCursor({ before: page.rows[page.rows.length - 1]!.id })}>
                  {t("staff.older")}
                </button>
              </div>
            </>
          )
        }
      </Loaded>
    </>
  );
}

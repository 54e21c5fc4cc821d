import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { Confirm, ErrorBox, Loaded, Row, Section, useApi } from "../components";
import { date, idr, t } from "../i18n";
import { navigate } from "../router";
import { dateTime, StatusChip, useCan, useConfirmed } from "./kit";
import type { CustomerCard, CustomerHit, LedgerPage } from "./types";

const nameOf = (c: CustomerHit) => (c.username ? `@${c.username}` : c.firstName || String(c.telegramId));

/** Finding a customer as /customer does: @username, a Telegram id or part of a name. */
export function CustomersPage() {
  const [text, setText] = useState("");
  const [q, setQ] = useState<string | null>(null);
  const result = useApi<{ customers: CustomerHit[] }>(q ? `/staff/customers?q=${encodeURIComponent(q)}` : null);
  return (
    <>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) setQ(text.trim());
        }}
      >
        <input type="search" class="grow" value={text} placeholder={t("cust.search")} aria-label={t("cust.search")} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        <button class="btn small">{t("staff.search")}</button>
      </form>
      {q && (
        <Loaded result={result}>
          {({ customers }) =>
            customers.length === 0 ? (
              <p class="muted center">{t("cust.none")}</p>
            ) : (
              <ul class="list">
                {customers.map((c) => (
                  <li key={c.id} class="list-item clickable" onClick={() => navigate(`staff/customers/${c.id}`)}>
                    <strong>{nameOf(c)}</strong> <span class="muted small">{c.firstName} · {c.telegramId}</span>
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      )}
    </>
  );
}

/** One customer: who, ban, tier (editable with customers.manage), orders, VPS, wallet and its statement. */
export function CustomerPage({ id }: { id: string }) {
  const result = useApi<CustomerCard>(`/staff/customers/${id}`);
  const [page, setPage] = useState(1);
  const ledger = useApi<LedgerPage>(`/staff/customers/${id}/ledger?page=${page}`);
  return (
    <Loaded result={result}>
      {(card) => (
        <>
          <Section title={nameOf(card)}>
            <Row label="Telegram">{card.telegramId}</Row>
            <Row label={t("cust.joined")}>{date(card.createdAt)}</Row>
            {card.ban && <p class="err">{t("cust.banned", { reason: card.ban.reason })}</p>}
            <BanRow customerId={card.id} banned={card.ban !== null} name={nameOf(card)} done={result.reload} />
            <TierRow customerId={card.id} tier={card.tier} />
            <Row label={t("cust.wallet")}>
              <strong>{idr(card.wallet.balanceIdr)}</strong>
            </Row>
            {card.wallet.hold && <p class="warn small">{t("cust.hold", { reason: card.wallet.hold.reason })}</p>}
          </Section>
          <Section title={t("cust.orders", { total: card.orders.total })}>
            {card.orders.recent.map((o) => (
              <div class="kv clickable" key={o.id} onClick={() => navigate(`staff/orders/${o.reference}`)}>
                <span class="mono small">{o.reference}</span>
                <span>
                  <StatusChip status={o.status} /> {idr(o.totalIdr)}
                </span>
              </div>
            ))}
          </Section>
          {card.instances.listed.length > 0 && (
            <Section title={t("cust.vps", { live: card.instances.live })}>
              {card.instances.listed.map((i) => (
                <Row key={i.id} label={i.label}>
                  {i.ipv4 ?? "—"} · {i.status} · {date(i.expiresAt)}
                </Row>
              ))}
            </Section>
          )}
          <Section title={t("cust.ledger")}>
            <Loaded result={ledger}>
              {(l) => (
                <>
                  {l.items.length === 0 && <p class="muted">{t("common.none")}</p>}
                  {l.items.map((item) => (
                    <div class="kv" key={item.entryId}>
                      <span class="muted small">
                        {dateTime(item.createdAt)} · {item.kind}
                        {item.orderReference ? ` · ${item.orderReference}` : ""}
                        {item.memo ? ` · ${item.memo}` : ""}
                      </span>
                      <span class={item.amountIdr < 0 ? "err" : "ok"}>
                        {item.amountIdr < 0 ? "−" : "+"}
                        {idr(Math.abs(item.amountIdr))}
                      </span>
                    </div>
                  ))}
                  {l.totalPages > 1 && (
                    <div class="row spread pager">
                      <button class="btn secondary small" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                        {t("staff.newer")}
                      </button>
                      <button class="btn secondary small" disabled={page >= l.totalPages} onClick={() => setPage(page + 1)}>
                        {t("staff.older")}
                      </button>
                    </div>
                  )}
                </>
              )}
            </Loaded>
          </Section>
        </>
      )}
    </Loaded>
  );
}

function TierRow({ customerId, tier }: { customerId: number; tier: CustomerCard["tier"] }) {
  const mayManage = useCan("customers.manage");
  const tiers = useApi<{ tiers: Array<{ id: number; name: string }> }>(mayManage ? "/staff/customers/tiers" : null);
  const [current, setCurrent] = useState(tier?.id ?? null);
  const [error, setError] = useState<ApiError | null>(null);
  if (!mayManage || !tiers.data) return <Row label={t("cust.tier")}>{tier?.name ?? "—"}</Row>;
  const change = async (e: Event) => {
    const value = (e.target as HTMLSelectElement).value;
    const tierId = value === "" ? null : Number(value);
    try {
      await api(`/staff/customers/${customerId}/tier`, { method: "PUT", body: { tierId } });
      setCurrent(tierId);
      setError(null);
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <Row label={t("cust.tier")}>
      <select value={current === null ? "" : String(current)} onChange={change} aria-label={t("cust.tier")}>
        <option value="">{t("cust.no-tier")}</option>
        {tiers.data.tiers.map((x) => (
          <option value={String(x.id)}>{x.name}</option>
        ))}
      </select>
      {error && <ErrorBox error={error} />}
    </Row>
  );
}

/** Ban or lift a ban, with the reason the audit keeps (customers.manage; an owner only for staff members). */
function BanRow({ customerId, banned, name, done }: { customerId: number; banned: boolean; name: string; done: () => void }) {
  const mayManage = useCan("customers.manage");
  const [reason, setReason] = useState("");
  const action = useConfirmed("PUT", `/staff/customers/${customerId}/ban`, () => {
    setReason("");
    done();
  });
  if (!mayManage) return null;
  return (
    <>
      <div class="row">
        <input class="grow" value={reason} maxLength={500} placeholder={t("cust.ban-reason")} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        <button class={banned ? "btn secondary small" : "btn danger small"} disabled={reason.trim().length < 3} onClick={action.ask}>
          {t(banned ? "cust.unban" : "cust.ban")}
        </button>
      </div>
      {action.error && <ErrorBox error={action.error} />}
      {action.asking && (
        <Confirm title={t(banned ? "cust.unban-title" : "cust.ban-title", { name })} text={t(banned ? "cust.unban-text" : "cust.ban-text")} busy={action.busy} onCancel={action.dismiss} onConfirm={() => void action.confirm({ banned: !banned, reason })} />
      )}
    </>
  );
}

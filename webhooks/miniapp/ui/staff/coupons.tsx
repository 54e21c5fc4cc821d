import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { ErrorBox, Loaded, Section, useApi } from "../components";
import { date, idr, t } from "../i18n";
import { wholeNumber } from "./kit";
import type { Coupon } from "./types";

interface CouponDetail {
  redeemed: number;
  discountGivenIdr: number;
  redemptions: { rows: Array<{ id: number; discountIdr: number; user: { firstName: string | null; username: string | null }; order: { reference: string } }> };
}

/** Coupons as /coupons keeps them: the list with use and validity, on/off, who redeemed what, and a new coupon. */
export function CouponsPage() {
  const [page, setPage] = useState(0);
  const result = useApi<{ rows: Coupon[]; pages: number }>(`/staff/coupons?page=${page}`);
  return (
    <>
      <Loaded result={result}>
        {(list) => (
          <>
            <ul class="list" data-testid="coupons">
              {list.rows.map((c) => (
                <CouponItem key={c.id} coupon={c} />
              ))}
            </ul>
            <div class="row spread pager">
              <button class="btn secondary small" disabled={page === 0} onClick={() => setPage(page - 1)}>
                {t("staff.newer")}
              </button>
              <button class="btn secondary small" disabled={page >= list.pages - 1} onClick={() => setPage(page + 1)}>
                {t("staff.older")}
              </button>
            </div>
          </>
        )}
      </Loaded>
      <NewCoupon done={result.reload} />
    </>
  );
}

const discountText = (c: Coupon) => (c.kind === "PERCENT" ? `${c.value}%${c.maxDiscountIdr ? ` (≤ ${idr(c.maxDiscountIdr)})` : ""}` : idr(c.value));

function CouponItem({ coupon }: { coupon: Coupon }) {
  const [active, setActive] = useState(coupon.active);
  const [open, setOpen] = useState(false);
  const detail = useApi<CouponDetail>(open ? `/staff/coupons/${coupon.id}` : null);
  const [error, setError] = useState<ApiError | null>(null);
  const toggle = async () => {
    try {
      await api(`/staff/coupons/${coupon.id}/active`, { method: "PUT", body: { active: !active } });
      setActive(!active);
      setError(null);
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <li class={`list-item ${active ? "" : "off"}`}>
      <div class="row spread">
        <button class="text-link mono" onClick={() => setOpen(!open)}>
          {coupon.code}
        </button>
        <label class="switch-label small">
          <input type="checkbox" role="switch" checked={active} onChange={toggle} aria-label={`${t("cpn.active")}: ${coupon.code}`} />
          {t("cpn.active")}
        </label>
      </div>
      <div class="muted small">
        {discountText(coupon)} · {t("cpn.used", { used: coupon.usedCount, limit: coupon.usageLimit ? `/${coupon.usageLimit}` : "" })}
        {coupon.validTo ? ` · ${t("cpn.until", { date: date(coupon.validTo) })}` : ""}
      </div>
      {error && <ErrorBox error={error} />}
      {open && detail.data && (
        <div class="small">
          <div>{t("cpn.redeemed", { count: detail.data.redeemed, amount: idr(detail.data.discountGivenIdr) })}</div>
          {detail.data.redemptions.rows.map((r) => (
            <div key={r.id} class="muted">
              <a href={`#/staff/orders/${r.order.reference}`}>{r.order.reference}</a> · {r.user.username ? `@${r.user.username}` : r.user.firstName} · −{idr(r.discountIdr)}
            </div>
          ))}
        </div>
      )}
    </li>
  );
}

function NewCoupon({ done }: { done: () => void }) {
  const empty = { code: "", kind: "PERCENT", value: "", cap: "", min: "", validTo: "", limit: "", perUser: "", first: false };
  const [form, setForm] = useState(empty);
  const [error, setError] = useState<ApiError | null>(null);
  const [made, setMade] = useState<string | null>(null);
  const set = (key: keyof typeof empty) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    setForm({ ...form, [key]: el.type === "checkbox" ? el.checked : el.value });
  };
  const num = (text: string) => (text.trim() === "" ? null : wholeNumber(text));
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await api("/staff/coupons", {
        method: "POST",
        body: {
          code: form.code,
          kind: form.kind,
          value: num(form.value) ?? 0,
          maxDiscountIdr: num(form.cap),
          minOrderIdr: num(form.min),
          validTo: form.validTo || null,
          usageLimit: num(form.limit),
          perUserLimit: num(form.perUser),
          firstOrderOnly: form.first,
        },
      });
      setMade(form.code.toUpperCase());
      setForm(empty);
      setError(null);
      done();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <Section title={t("cpn.new")}>
      <form class="form" onSubmit={submit}>
        <label>
          {t("cpn.code")} <input value={form.code} onInput={set("code")} required maxLength={32} />
        </label>
        <div class="row">
          <label class="grow">
            {t("cpn.kind")}
            <select value={form.kind} onChange={set("kind")}>
              <option value="PERCENT">{t("cpn.percent")}</option>
              <option value="FIXED">{t("cpn.fixed")}</option>
            </select>
          </label>
          <label class="grow">
            {t("cpn.value")} <input inputMode="numeric" value={form.value} onInput={set("value")} required />
          </label>
        </div>
        <div class="row">
          <label class="grow">
            {t("cpn.cap")} <input inputMode="numeric" value={form.cap} onInput={set("cap")} />
          </label>
          <label class="grow">
            {t("cpn.min")} <input inputMode="numeric" value={form.min} onInput={set("min")} />
          </label>
        </div>
        <div class="row">
          <label class="grow">
            {t("cpn.limit")} <input inputMode="numeric" value={form.limit} onInput={set("limit")} />
          </label>
          <label class="grow">
            {t("cpn.per-user")} <input inputMode="numeric" value={form.perUser} onInput={set("perUser")} />
          </label>
        </div>
        <label>
          {t("cpn.valid-to")} <input type="date" value={form.validTo} onChange={set("validTo")} />
        </label>
        <label class="switch-label">
          <input type="checkbox" checked={form.first} onChange={set("first")} /> {t("cpn.first")}
        </label>
        <button class="btn">{t("cpn.create")}</button>
        {made && <p class="ok">{t("cpn.created", { code: made })}</p>}
        {error && <ErrorBox error={error} />}
      </form>
    </Section>
  );
}

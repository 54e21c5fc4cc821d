import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { Confirm, ErrorBox, Loaded, useApi } from "../components";
import { idr, t } from "../i18n";
import { useCan, useConfirmed } from "./kit";
import type { PendingItem } from "./types";

/** The pending queue, oldest first, as /pending lists it for this member; a row opens the order, money rows can be approved here. */
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
                <PendingRow key={item.key} item={item} done={result.reload} />
              ))}
            </ul>
          )}
        </>
      )}
    </Loaded>
  );
}

function PendingRow({ item, done }: { item: PendingItem; done: () => void }) {
  const mayReview = useCan("payments.review");
  const money = item.kind === "proof" || item.kind === "review";
  return (
    <li class="list-item">
      <div class="row spread">
        <strong>{t(`pend.kind.${item.kind}`)}</strong>
        <span class="muted small">{t("pend.age", { value: item.age.value, unit: t(`pend.unit.${item.age.unit}`) })}</span>
      </div>
      <div class="row spread">
        <a class="mono small" href={`#/staff/orders/${item.reference}`}>
          {item.reference}
        </a>
        <span>
          {item.receivedIdr != null && item.receivedIdr !== item.expectedIdr
            ? t("pend.received", { received: idr(item.receivedIdr), expected: idr(item.expectedIdr) })
            : idr(item.expectedIdr)}
        </span>
      </div>
      {item.deadlineNear && <div class="warn small">{t("pend.deadline")}</div>}
      {item.lastError && <div class="muted small clip">{item.lastError}</div>}
      {money && mayReview && <MoneyActions item={item} done={done} />}
    </li>
  );
}

/** The screenshot (fetched with the session, shown as a data URL: the page allows no other image source), the approval and the refusal. */
function MoneyActions({ item, done }: { item: PendingItem; done: () => void }) {
  const [image, setImage] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const show = async () => {
    // An image, not JSON: fetched here with the session's bearer (kept by ../api.ts under this key).
    const res = await fetch(`/app/api/staff/pending/proofs/${item.proofId}/image`, { headers: { authorization: `Bearer ${sessionStorage.getItem("miniapp.session") ?? ""}` } });
    if (!res.ok) return setError(new ApiError(res.status, "proof", t("pend.no-proof")));
    const bytes = new Uint8Array(await res.arrayBuffer());
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    setImage(`data:image/jpeg;base64,${btoa(binary)}`);
  };
  const approve = async () => {
    setBusy(true);
    try {
      const answer = await api<{ result: string; amountIdr?: number }>(`/staff/pending/payments/${item.paymentId}/approve`, { method: "POST" });
      if (answer.result === "first_of_two") setNote(t("pend.first-of-two", { amount: idr(answer.amountIdr ?? 0) }));
      else done();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  const amount = idr(item.receivedIdr ?? item.expectedIdr);
  return (
    <>
      <div class="row">
        {item.kind === "proof" && item.proofId && (
          <button class="btn secondary small" onClick={show}>
            {t("pend.view")}
          </button>
        )}
        <button class="btn small" onClick={() => setAsking(true)} data-testid={`approve-${item.paymentId}`}>
          {t("pend.approve")}
        </button>
      </div>
      <RefuseForm item={item} done={done} />
      {image && <img class="proof" src={image} alt={t("pend.kind.proof")} />}
      {note && <p class="ok small">{note}</p>}
      {error && <ErrorBox error={error} />}
      {asking && <Confirm title={t("pend.approve-title", { reference: item.reference })} text={t("pend.approve-text", { amount })} busy={busy} onCancel={() => setAsking(false)} onConfirm={approve} />}
    </>
  );
}

/**
 * The card's ❌ with the reason the customer reads (as the chat asks for it): a screenshot is
 * refused, money under review is given back (to the wallet or marked as returned outside), after a confirmation.
 */
function RefuseForm({ item, done }: { item: PendingItem; done: () => void }) {
  const [reason, setReason] = useState("");
  const [to, setTo] = useState<"wallet" | "outside">("wallet");
  const action = useConfirmed("POST", `/staff/pending/payments/${item.paymentId}/reject`, done);
  const review = item.kind === "review";
  const amount = idr(item.receivedIdr ?? item.expectedIdr);
  return (
    <>
      <div class="row">
        <input class="grow" value={reason} maxLength={500} placeholder={t("pend.reason")} aria-label={t("pend.reason")} data-testid={`reason-${item.paymentId}`} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </div>
      <div class="row">
        {review && (
          <select value={to} aria-label={t("pend.refund-to")} data-testid={`refund-to-${item.paymentId}`} onChange={(e) => setTo((e.target as HTMLSelectElement).value === "outside" ? "outside" : "wallet")}>
            <option value="wallet">{t("pend.to-wallet")}</option>
            <option value="outside">{t("pend.to-outside")}</option>
          </select>
        )}
        <button class="btn danger small" disabled={reason.trim() === ""} onClick={action.ask} data-testid={`refuse-${item.paymentId}`}>
          {t(review ? "pend.refund" : "pend.reject")}
        </button>
      </div>
      {action.error && <ErrorBox error={action.error} />}
      {action.asking && (
        <Confirm
          title={t(review ? "pend.refund-title" : "pend.reject-title", { reference: item.reference })}
          text={review ? t(`pend.refund-text-${to}`, { amount, reason: reason.trim() }) : t("pend.reject-text", { reason: reason.trim() })}
          busy={action.busy}
          onCancel={action.dismiss}
          onConfirm={() => void action.confirm(review ? { reason, to } : { reason })}
        />
      )}
    </>
  );
}

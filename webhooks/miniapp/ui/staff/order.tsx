import { useState } from "preact/hooks";
import { Confirm, ErrorBox, Loaded, Row, Section, useApi } from "../components";
import { idr, t } from "../i18n";
import { dateTime, StatusChip, useCan, useConfirmed } from "./kit";
import type { OrderDetail } from "./types";

/** An order's card: summary, the status timeline with who made each change, payments, notes, and the actions staff may take here. */
export function OrderPage({ reference }: { reference: string }) {
  const result = useApi<OrderDetail>(`/staff/orders/${encodeURIComponent(reference)}`);
  return <Loaded result={result}>{(detail) => <OrderCard detail={detail} reload={result.reload} />}</Loaded>;
}

function OrderCard({ detail, reload }: { detail: OrderDetail; reload: () => void }) {
  const { order } = detail;
  const mayManage = useCan("orders.manage");
  const mayRetry = useCan("provisioning.retry");
  const mayRefund = useCan("orders.refund");
  const customer = order.user.username ? `@${order.user.username}` : (order.user.firstName ?? order.user.telegramId);
  return (
    <>
      <Section title={order.reference}>
        <Row label={t("ord.col.status")}>
          <StatusChip status={order.status} />
        </Row>
        <Row label={t("ord.col.customer")}>
          <a href={`#/staff/customers/${order.user.id}`}>{customer}</a>
        </Row>
        {order.planName && (
          <Row label={t("ord.plan")}>
            {order.planName} · {order.region ?? ""} {order.durationMonths ? `· ${t("ord.duration", { months: order.durationMonths })}` : ""}
          </Row>
        )}
        <Row label={t("ord.base")}>{idr(order.basePriceIdr)}</Row>
        {order.promoDiscountIdr > 0 && <Row label={t("ord.promo")}>−{idr(order.promoDiscountIdr)}</Row>}
        {order.couponDiscountIdr > 0 && <Row label={t("ord.coupon", { code: order.couponCode ?? "" })}>−{idr(order.couponDiscountIdr)}</Row>}
        <Row label={t("ord.total")}>
          <strong>{idr(order.totalIdr)}</strong>
        </Row>
        <Row label={t("ord.col.date")}>{dateTime(order.createdAt)}</Row>
        {order.paymentDeadline && order.status === "PENDING_PAYMENT" && <Row label={t("ord.deadline")}>{dateTime(order.paymentDeadline)}</Row>}
        {order.paidAt && <Row label={t("ord.paid-at")}>{dateTime(order.paidAt)}</Row>}
        {order.provisioningTask && (
          <Row label={t("ord.provisioning")}>
            {t("ord.attempts", { status: order.provisioningTask.status, attempts: order.provisioningTask.attempts })}
            {order.provisioningTask.lastError && <div class="muted small">{order.provisioningTask.lastError}</div>}
          </Row>
        )}
        {order.createdInstance && (
          <Row label={t("ord.vps")}>
            {order.createdInstance.label} · {order.createdInstance.ipv4 ?? "—"} · {order.createdInstance.status}
          </Row>
        )}
      </Section>

      <Section title={t("ord.timeline")}>
        <ol class="timeline" data-testid="timeline">
          {detail.timeline.map((line, i) => (
            <li key={i}>
              <div class="row spread">
                <span>
                  {line.from ? `${t(`order.${line.from}`)} → ` : ""}
                  <strong>{t(`order.${line.to}`)}</strong>
                </span>
                <span class="muted small">{dateTime(line.at)}</span>
              </div>
              <div class="muted small">
                {line.actor}
                {line.reason ? ` · ${line.reason}` : ""}
              </div>
            </li>
          ))}
        </ol>
      </Section>

      {detail.payments.length > 0 && (
        <Section title={t("ord.payments")}>
          {detail.payments.map((p) => (
            <div class="kv" key={p.id}>
              <span class="muted">
                {p.gateway}
                {p.method ? ` · ${p.method}` : ""} · {dateTime(p.createdAt)}
              </span>
              <span>
                {p.status} · {idr(p.receivedIdr ?? p.totalIdr)} {p.callbacks.length > 0 && <span class="muted small">({t("ord.callbacks", { count: p.callbacks.length })})</span>}
              </span>
            </div>
          ))}
        </Section>
      )}

      <Section title={t("ord.notes")}>
        {detail.notes.map((n, i) => (
          <div key={i} class="note">
            <div>{n.text}</div>
            <div class="muted small">
              {n.by} · {dateTime(n.at)}
            </div>
          </div>
        ))}
        {mayManage && <NoteForm orderId={order.id} done={reload} />}
      </Section>

      {mayRetry && detail.offers.retry && <ActionButton orderId={order.id} action="retry" title={t("ord.retry-title", { reference: order.reference })} text={t("ord.retry-text")} label={t("ord.retry")} done={reload} />}
      {mayRefund && detail.offers.refund && <ActionButton orderId={order.id} action="refund" title={t("ord.refund-title", { reference: order.reference })} text={t("ord.refund-text")} label={t("ord.refund")} done={reload} />}
      {mayManage && detail.offers.cancel && <CancelForm orderId={order.id} reference={order.reference} done={reload} />}
      <p class="muted small">{t("ord.in-chat", { reference: order.reference })}</p>
    </>
  );
}

function NoteForm({ orderId, done }: { orderId: number; done: () => void }) {
  const [text, setText] = useState("");
  // A note needs no confirmation: it is sent at once.
  const action = useConfirmed("POST", `/staff/orders/${orderId}/notes`, () => {
    setText("");
    done();
  });
  const submit = (e: Event) => {
    e.preventDefault();
    void action.confirm({ note: text });
  };
  return (
    <form class="row" onSubmit={submit}>
      <input class="grow" value={text} maxLength={300} placeholder={t("ord.note-placeholder")} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      <button class="btn small" disabled={action.busy || text.trim() === ""}>
        {t("ord.note-add")}
      </button>
      {action.error && <ErrorBox error={action.error} />}
    </form>
  );
}

function CancelForm({ orderId, reference, done }: { orderId: number; reference: string; done: () => void }) {
  const [reason, setReason] = useState("");
  const action = useConfirmed("POST", `/staff/orders/${orderId}/cancel`, done);
  return (
    <Section title={t("ord.cancel")}>
      <div class="row">
        <input class="grow" value={reason} maxLength={500} placeholder={t("ord.cancel-reason")} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        <button class="btn danger small" disabled={reason.trim().length < 3} onClick={action.ask}>
          {t("ord.cancel")}
        </button>
      </div>
      {action.error && <ErrorBox error={action.error} />}
      {action.asking && <Confirm title={t("ord.cancel-title", { reference })} text={t("ord.cancel-text")} busy={action.busy} onCancel={action.dismiss} onConfirm={() => void action.confirm({ reason })} />}
    </Section>
  );
}

/** One of the card's actions behind a confirmation (retry provisioning, refund to the wallet); the answer reloads the card. */
function ActionButton(props: { orderId: number; action: "retry" | "refund"; title: string; text: string; label: string; done: () => void }) {
  const action = useConfirmed("POST", `/staff/orders/${props.orderId}/${props.action}`, props.done);
  return (
    <div class="section">
      <button class="btn secondary" onClick={action.ask} data-testid={`order-${props.action}`}>
        {props.label}
      </button>
      {action.error && <ErrorBox error={action.error} />}
      {action.asking && <Confirm title={props.title} text={props.text} busy={action.busy} onCancel={action.dismiss} onConfirm={() => void action.confirm()} />}
    </div>
  );
}

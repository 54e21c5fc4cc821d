import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { Confirm, ErrorBox, Loaded, Row, Section, useApi } from "../components";
import { date, errorText, idr, t } from "../i18n";

interface VpsDetail {
  id: number;
  label: string;
  clientLabel: string | null;
  status: string;
  liveStatus: string | null;
  ip: string | null;
  ipv6: string | null;
  plan: string;
  specs: { vcpu: number; memoryMb: number; diskGb: number } | null;
  os: string;
  region: string;
  createdAt: string;
  expiresAt: string;
  autoRenew: boolean;
  actions: Array<{ name: string; confirm: boolean }>;
  openAction: { id: number; type: string; status: string } | null;
  renewOptions: Array<{ months: number; totalIdr: number }>;
}

const memory = (mb: number) => (mb >= 1024 ? `${+(mb / 1024).toFixed(1)} GB` : `${mb} MB`);

type Notice = { kind: "ok" | "error"; text: string } | null;

/**
 * Polls an action until it is DONE or FAILED (the worker runs it; the chat gets the result too):
 * one this page started, or one already open when the page loaded (e.g. started from the chat).
 */
function useActionWatch(vpsId: string, onFinished: () => void) {
  const [watch, setWatch] = useState<{ id: number; name: string } | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  useEffect(() => {
    if (!watch) return;
    let stop = false;
    const poll = async () => {
      while (!stop) {
        const row = await api<{ status: string }>(`/vps/${vpsId}/actions/${watch.id}`).catch((err: unknown) => (err instanceof ApiError && err.status === 404 ? "gone" : null));
        if (row === "gone") {
          // Not an action this page may read (no longer the caller's): stop asking, show the VPS as it is now.
          setWatch(null);
          onFinished();
          return;
        }
        if (row && (row.status === "DONE" || row.status === "FAILED")) {
          setNotice({ kind: row.status === "DONE" ? "ok" : "error", text: t(row.status === "DONE" ? "vps.done" : "vps.failed", { action: t(`action.${watch.name}`) }) });
          setWatch(null);
          onFinished();
          return;
        }
        await new Promise((r) => setTimeout(r, 1500));
      }
    };
    void poll();
    return () => void (stop = true);
  }, [watch, vpsId]);
  return { watching: watch, notice, setNotice, start: (id: number, name: string) => setWatch({ id, name }) };
}

/** Auto-renew from the wallet, on or off at a tap (no confirmation, as in the chat); the server's answer is what shows. */
function AutoRenewSwitch({ vps }: { vps: VpsDetail }) {
  const [on, setOn] = useState(vps.autoRenew);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const flip = async () => {
    setBusy(true);
    setError(null);
    try {
      const saved = await api<{ autoRenew: boolean }>(`/vps/${vps.id}/auto-renew`, { method: "PUT", body: { autoRenew: !on } });
      setOn(saved.autoRenew);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <label class="kv">
        <span class="muted">{t("vps.autorenew")}</span>
        <span class="row">
          <span>{t(on ? "vps.on" : "vps.off")}</span>
          <input type="checkbox" role="switch" checked={on} disabled={busy} onChange={flip} data-testid="auto-renew" aria-label={t("vps.autorenew")} />
        </span>
      </label>
      {error && <p class="notice error">{error}</p>}
    </>
  );
}

function Renew({ vps }: { vps: VpsDetail }) {
  const [order, setOrder] = useState<{ orderId: number; reference: string; totalIdr: number } | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [busy, setBusy] = useState(false);
  const fail = (err: unknown) => setNotice({ kind: "error", text: errorText(err) });
  const create = async (months: number) => {
    setBusy(true);
    try {
      const o = await api<{ orderId: number; reference: string; totalIdr: number }>(`/vps/${vps.id}/renew`, { method: "POST", body: { months } });
      setOrder(o);
      setNotice({ kind: "ok", text: t("vps.renew-created", { reference: o.reference, price: idr(o.totalIdr) }) });
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };
  const pay = async () => {
    if (!order) return;
    setBusy(true);
    try {
      const paid = await api<{ balanceAfterIdr: number }>(`/orders/${order.orderId}/pay-wallet`, { method: "POST" });
      setNotice({ kind: "ok", text: t("vps.paid", { balance: idr(paid.balanceAfterIdr) }) });
      setOrder(null);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };
  if (vps.renewOptions.length === 0) return <p class="muted small">{t("vps.renew-none")}</p>;
  return (
    <div>
      {notice && <p class={`notice ${notice.kind}`}>{notice.text}</p>}
      {order ? (
        <div class="stack">
          <button class="btn" disabled={busy} onClick={pay}>
            {t("vps.pay-wallet")} · {idr(order.totalIdr)}
          </button>
          <p class="muted small">{t("vps.pay-chat")}</p>
        </div>
      ) : (
        <div class="stack">
          {vps.renewOptions.map((o) => (
            <button key={o.months} class="btn secondary" disabled={busy} onClick={() => create(o.months)}>
              {t("vps.renew-months", { months: o.months, price: idr(o.totalIdr) })}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

export function VpsDetailPage({ id }: { id: string }) {
  const result = useApi<VpsDetail>(`/vps/${id}`);
  const [asking, setAsking] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { watching, notice, setNotice, start } = useActionWatch(id, result.reload);
  // An action already running when the page (re)loads is followed like one started here.
  const open = result.data?.openAction ?? null;
  useEffect(() => {
    if (open && !watching) start(open.id, open.type.toLowerCase());
  }, [open?.id]);

  const run = async (name: string, confirm: boolean) => {
    setBusy(true);
    try {
      const queued = await api<{ actionId: number }>(`/vps/${id}/actions`, { method: "POST", body: { action: name, confirm } });
      setNotice({ kind: "ok", text: t("vps.queued", { action: t(`action.${name}`) }) });
      start(queued.actionId, name);
    } catch (err) {
      setNotice({ kind: "error", text: errorText(err) });
    } finally {
      setBusy(false);
      setAsking(null);
    }
  };

  if (result.error?.status === 404) return <ErrorBox error={new ApiError(404, "vps_not_found", t("vps.not-found"))} />;
  return (
    <Loaded result={result}>
      {(vps) => (
        <div data-testid="vps-detail">
          <Section>
            <div class="row spread">
              <strong class="big">{vps.clientLabel ? `${vps.clientLabel} · ${vps.label}` : vps.label}</strong>
              <span class={`badge s-${vps.status.toLowerCase()}`}>{t(`status.${vps.status}`)}</span>
            </div>
            <Row label={t("vps.status")}>{vps.liveStatus ? t(`live.${vps.liveStatus}`) : t("live.unknown")}</Row>
            <Row label={t("vps.ip")}>{vps.ip ?? "…"}</Row>
            <Row label={t("vps.plan")}>{vps.plan}</Row>
            {vps.specs && <Row label={t("vps.specs")}>{`${vps.specs.vcpu} vCPU · ${memory(vps.specs.memoryMb)} · ${vps.specs.diskGb} GB SSD`}</Row>}
            <Row label={t("vps.os")}>{vps.os}</Row>
            <Row label={t("vps.region")}>{vps.region}</Row>
            <Row label={t("vps.created")}>{date(vps.createdAt)}</Row>
            <Row label={t("vps.expiry")}>{date(vps.expiresAt)}</Row>
            {["ACTIVE", "OFF", "SUSPENDED"].includes(vps.status) ? <AutoRenewSwitch vps={vps} /> : <Row label={t("vps.autorenew")}>{t(vps.autoRenew ? "vps.on" : "vps.off")}</Row>}
          </Section>
          <Section title={t("vps.actions")}>
            {notice && (
              <p class={`notice ${notice.kind}`} role="status" data-testid="action-notice">
                {notice.text}
              </p>
            )}
            {watching || vps.openAction ? (
              <p class="muted small">{t("vps.busy", { action: t(`action.${(watching?.name ?? vps.openAction?.type ?? "").toLowerCase()}`) })}</p>
            ) : vps.actions.length === 0 ? (
              <p class="muted small">{t("vps.no-actions")}</p>
            ) : (
              <div class="grid2">
                {vps.actions.map((a) => (
                  <button key={a.name} class={a.confirm ? "btn secondary warn" : "btn secondary"} disabled={busy} onClick={() => (a.confirm ? setAsking(a.name) : run(a.name, false))}>
                    {t(`action.${a.name}`)}
                  </button>
                ))}
              </div>
            )}
          </Section>
          <Section title={t("vps.renew")}>
            <Renew vps={vps} />
          </Section>
          {asking && (
            <Confirm
              title={t("vps.confirm-title", { action: t(`action.${asking}`), label: vps.label })}
              text={t("vps.confirm-text")}
              busy={busy}
              onCancel={() => setAsking(null)}
              onConfirm={() => run(asking, true)}
            />
          )}
        </div>
      )}
    </Loaded>
  );
}

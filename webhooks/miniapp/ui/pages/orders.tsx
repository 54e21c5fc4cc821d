import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { ErrorBox, Loaded, useApi } from "../components";
import { date, idr, t } from "../i18n";
import { webApp } from "../telegram";

interface Page<T> {
  total: number;
  page: number;
  pageSize: number;
  items: T[];
}
interface OrderItem {
  id: number;
  reference: string;
  planName: string | null;
  totalIdr: number;
  status: string;
  createdAt: string;
  clientLabel: string | null;
}
interface InvoiceItem {
  orderId: number;
  reference: string;
  planName: string | null;
  clientLabel: string | null;
  totalIdr: number;
  paidAt: string;
}

/**
 * Downloads an invoice through a short-lived signed link: Telegram's downloader when the client
 * offers it (WebApp.downloadFile), a plain download link otherwise.
 */
async function download(invoice: InvoiceItem): Promise<void> {
  const link = await api<{ url: string }>(`/invoices/${invoice.orderId}/link`, { method: "POST" });
  const url = new URL(link.url, location.origin).toString();
  const fileName = `invoice-${invoice.reference}.pdf`;
  const app = webApp();
  if (app?.downloadFile) return app.downloadFile({ url, file_name: fileName });
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function Invoices() {
  const [page, setPage] = useState(0);
  const result = useApi<Page<InvoiceItem>>(`/invoices?page=${page}`);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <Loaded result={result}>
      {(data) => (
        <>
          {error && <ErrorBox error={error} />}
          {data.items.length === 0 ? (
            <p class="muted">{t("common.none")}</p>
          ) : (
            <ul class="list">
              {data.items.map((i) => (
                <li key={i.orderId} class="card list-item">
                  <div class="row spread">
                    <strong>{i.reference}</strong>
                    <span>{idr(i.totalIdr)}</span>
                  </div>
                  <div class="row spread">
                    <span class="muted small">
                      {[i.clientLabel, i.planName].filter(Boolean).join(" · ")} · {date(i.paidAt)}
                    </span>
                    <button class="btn small" data-testid={`invoice-${i.orderId}`} onClick={() => download(i).catch((err: unknown) => setError(err instanceof ApiError ? err : new ApiError(0, "error", String(err))))}>
                      {t("orders.download")}
                    </button>
                  </div>
                </li>
              ))}
            </ul>
          )}
          <Pager page={page} total={data.total} size={data.pageSize} onPage={setPage} />
        </>
      )}
    </Loaded>
  );
}

function Pager({ page, total, size, onPage }: { page: number; total: number; size: number; onPage: (p: number) => void }) {
  if (total <= size) return null;
  return (
    <div class="row spread pager">
      <button class="btn secondary small" disabled={page === 0} onClick={() => onPage(page - 1)}>
        ‹
      </button>
      <span class="muted small">
        {page + 1} / {Math.ceil(total / size)}
      </span>
      <button class="btn secondary small" disabled={(page + 1) * size >= total} onClick={() => onPage(page + 1)}>
        ›
      </button>
    </div>
  );
}

function Orders() {
  const [page, setPage] = useState(0);
  const result = useApi<Page<OrderItem>>(`/orders?page=${page}`);
  return (
    <Loaded result={result}>
      {(data) => (
        <>
          {data.items.length === 0 ? (
            <p class="muted">{t("orders.empty")}</p>
          ) : (
            <ul class="list">
              {data.items.map((o) => (
                <li key={o.id} class="card list-item">
                  <div class="row spread">
                    <strong>{o.reference}</strong>
                    <span>{idr(o.totalIdr)}</span>
                  </div>
                  <div class="row spread">
                    <span class="muted small">
                      {[o.clientLabel, o.planName].filter(Boolean).join(" · ") || "—"} · {date(o.createdAt)}
                    </span>
                    <span class="badge">{t(`order.${o.status}`)}</span>
                  </div>
                </li>
              ))}
            </ul>
          )}
          <Pager page={page} total={data.total} size={data.pageSize} onPage={setPage} />
        </>
      )}
    </Loaded>
  );
}

export function OrdersPage() {
  const [tab, setTab] = useState<"orders" | "invoices">("orders");
  return (
    <div>
      <div class="segmented" role="tablist">
        <button role="tab" aria-selected={tab === "orders"} class={tab === "orders" ? "active" : ""} onClick={() => setTab("orders")}>
          {t("orders.title")}
        </button>
        <button role="tab" aria-selected={tab === "invoices"} class={tab === "invoices" ? "active" : ""} onClick={() => setTab("invoices")}>
          {t("orders.invoices")}
        </button>
      </div>
      {tab === "orders" ? <Orders /> : <Invoices />}
    </div>
  );
}

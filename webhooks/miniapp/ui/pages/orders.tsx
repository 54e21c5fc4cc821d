import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import type { ComponentChildren } from "preact";
import { ErrorBox, Loaded, Pager, useApi } from "../components";
import { date, idr, t } from "../i18n";
import { clientDownload } from "../telegram";

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
  if (clientDownload(url, fileName)) return;
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** One order (or invoice) in a list: reference and amount, then a line of details and `children` on its right. */
function OrderLine({ reference, totalIdr, meta, children }: { reference: string; totalIdr: number; meta: string; children: ComponentChildren }) {
  return (
    <li class="card list-item">
      <div class="row spread">
        <strong>{reference}</strong>
        <span>{idr(totalIdr)}</span>
      </div>
      <div class="row spread">
        <span class="muted small">{meta}</span>
        {children}
      </div>
    </li>
  );
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
                <OrderLine key={i.orderId} reference={i.reference} totalIdr={i.totalIdr} meta={`${[i.clientLabel, i.planName].filter(Boolean).join(" · ")} · ${date(i.paidAt)}`}>
                  <button class="btn small" data-testid={`invoice-${i.orderId}`} onClick={() => download(i).catch((err: unknown) => setError(err instanceof ApiError ? err : new ApiError(0, "error", String(err))))}>
                    {t("orders.download")}
                  </button>
                </OrderLine>
              ))}
            </ul>
          )}
          <Pager page={page} pages={Math.ceil(data.total / data.pageSize)} onPage={setPage} />
        </>
      )}
    </Loaded>
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
                <OrderLine key={o.id} reference={o.reference} totalIdr={o.totalIdr} meta={`${[o.clientLabel, o.planName].filter(Boolean).join(" · ") || "—"} · ${date(o.createdAt)}`}>
                  <span class="badge">{t(`order.${o.status}`)}</span>
                </OrderLine>
              ))}
            </ul>
          )}
          <Pager page={page} pages={Math.ceil(data.total / data.pageSize)} onPage={setPage} />
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

import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { api, ApiError } from "./api";
import { errorText, t } from "./i18n";

/** Loads `path` from the API (again when `path` changes or on `reload()`). */
export function useApi<T>(path: string | null): { data: T | null; error: ApiError | null; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err: unknown) => live && setState({ data: null, error: err instanceof ApiError ? err : new ApiError(0, "network", String(err)), loading: false }),
    );
    return () => void (live = false);
  }, [path, tick]);
  return { ...state, reload: useCallback(() => setTick((n) => n + 1), []) };
}

export const Loading = () => (
  <p class="muted center" role="status">
    {t("common.loading")}
  </p>
);

export function ErrorBox({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div class="notice error" role="alert">
      <p>{errorText(error)}</p>
      {retry && (
        <button class="btn secondary" onClick={retry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

/** The page body for a `useApi` result: loading, error, or `children(data)`. */
export function Loaded<T>({ result, children }: { result: ReturnType<typeof useApi<T>>; children: (data: T) => ComponentChildren }) {
  if (result.error) return <ErrorBox error={result.error} retry={result.reload} />;
  if (!result.data) return <Loading />;
  return <>{children(result.data)}</>;
}

/** A modal confirmation (the bot's "are you sure?" tap), answered with Cancel or Confirm. */
export function Confirm({ title, text, onCancel, onConfirm, busy }: { title: string; text: string; onCancel: () => void; onConfirm: () => void; busy?: boolean }) {
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-label={title}>
      <div class="dialog">
        <h2>{title}</h2>
        <p>{text}</p>
        <div class="row">
          <button class="btn secondary" onClick={onCancel} disabled={busy}>
            {t("common.cancel")}
          </button>
          <button class="btn danger" onClick={onConfirm} disabled={busy} data-testid="confirm">
            {t("common.confirm")}
          </button>
        </div>
      </div>
    </div>
  );
}

export const Section = ({ title, children }: { title?: string; children: ComponentChildren }) => (
  <section class="section">
    {title && <h2 class="section-title">{title}</h2>}
    <div class="card">{children}</div>
  </section>
);

export const Row = ({ label, children }: { label: string; children: ComponentChildren }) => (
  <div class="kv">
    <span class="muted">{label}</span>
    <span>{children}</span>
  </div>
);

/** Previous / next for a paged list; `page` counts from 0. Nothing when everything fits on one page. */
export function Pager({ page, pages, onPage }: { page: number; pages: number; onPage: (p: number) => void }) {
  if (pages <= 1) return null;
  return (
    <div class="row spread pager">
      <button class="btn secondary small" disabled={page === 0} onClick={() => onPage(page - 1)} aria-label="‹">
        ‹
      </button>
      <span class="muted small">
        {page + 1} / {pages}
      </span>
      <button class="btn secondary small" disabled={page + 1 >= pages} onClick={() => onPage(page + 1)} aria-label="›">
        ›
      </button>
    </div>
  );
}

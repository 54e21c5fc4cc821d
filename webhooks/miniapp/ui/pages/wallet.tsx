import { useState } from "preact/hooks";
import { Loaded, Pager, Section, useApi } from "../components";
import { date, idr, t } from "../i18n";

interface Wallet {
  balanceIdr: number;
  page: number;
  totalPages: number;
  items: Array<{ entryId: number; kind: string; amountIdr: number; balanceAfterIdr: number; memo: string | null; orderReference: string | null; createdAt: string }>;
}

export function WalletPage() {
  const [page, setPage] = useState(1);
  const result = useApi<Wallet>(`/wallet?page=${page}`);
  return (
    <Loaded result={result}>
      {(w) => (
        <>
          <Section>
            <div class="muted small">{t("wallet.balance")}</div>
            <div class="big" data-testid="wallet-balance">
              {idr(w.balanceIdr)}
            </div>
            <p class="muted small">{t("wallet.topup")}</p>
          </Section>
          <Section title={t("wallet.ledger")}>
            {w.items.length === 0 ? (
              <p class="muted">{t("wallet.empty")}</p>
            ) : (
              <ul class="list plain">
                {w.items.map((e) => (
                  <li key={e.entryId} class="ledger">
                    <div class="row spread">
                      <span>{e.memo ?? e.orderReference ?? e.kind}</span>
                      <strong class={e.amountIdr < 0 ? "neg" : "pos"}>
                        {e.amountIdr < 0 ? "−" : "+"}
                        {idr(Math.abs(e.amountIdr))}
                      </strong>
                    </div>
                    <div class="row spread muted small">
                      <span>{date(e.createdAt)}</span>
                      <span>{t("wallet.after", { balance: idr(e.balanceAfterIdr) })}</span>
                    </div>
                  </li>
                ))}
              </ul>
            )}
            <Pager page={page - 1} pages={w.totalPages} onPage={(p) => setPage(p + 1)} />
          </Section>
        </>
      )}
    </Loaded>
  );
}

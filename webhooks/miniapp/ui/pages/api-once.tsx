import { useState } from "preact/hooks";
import { errorText, t } from "../i18n";

export type Notice = { kind: "ok" | "error"; text: string } | null;

/** The outcome of the page's last change: done, or the server's refusal in the user's words. */
export const NoticeLine = ({ notice }: { notice: Notice }) =>
  notice && (
    <div class={`notice ${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"}>
      {notice.text}
    </div>
  );

/**
 * A change the page asks the server for: `busy` while it runs, its outcome (or the refusal in the
 * user's words) as the notice, then `after()` (close the dialog, load the list again).
 */
export function useChange(after: () => void) {
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const run = async (call: () => Promise<Notice>) => {
    setBusy(true);
    setNotice(null);
    try {
      setNotice(await call());
    } catch (err) {
      setNotice({ kind: "error", text: errorText(err) });
    } finally {
      setBusy(false);
      after();
    }
  };
  return { busy, notice, run };
}

/** Copies `text`; false where the webview offers no clipboard (the text stays selectable). */
async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A secret the server answered this once (an API key, a webhook signing secret): shown with a copy
 * button until "I have saved it", then dropped from the page's memory — the server cannot show it again.
 */
export function ShownOnce({ title, text, value, testId, onDone }: { title: string; text: string; value: string; testId: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section class="section">
      <div class="card once" role="alert">
        <h2>{title}</h2>
        <p class="small">{text}</p>
        <code class="secret" data-testid={testId}>
          {value}
        </code>
        <div class="row">
          <button class="btn secondary" onClick={() => void copy(value).then(setCopied)}>
            {copied ? t("apikeys.copied") : t("apikeys.copy")}
          </button>
          <button class="btn" onClick={onDone} data-testid={`${testId}-done`}>
            {t("apikeys.saved")}
          </button>
        </div>
      </div>
    </section>
  );
}

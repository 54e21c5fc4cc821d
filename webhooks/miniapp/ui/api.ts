/** The app's calls to `/app/api`, with the session's bearer token; errors carry the server's `{ error, message }`. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const KEY = "miniapp.session";
let token: string | null = sessionStorage.getItem(KEY);

export function setSessionToken(value: string | null): void {
  token = value;
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

export const hasSession = (): boolean => token !== null;

/** Called when the session is gone (401): the shell shows "open the app again". */
let onExpired: () => void = () => undefined;
export const whenSessionEnds = (cb: () => void): void => void (onExpired = cb);

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`/app/api${path}`, { method: init.method ?? "GET", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!res.ok) {
    if (res.status === 401 && path !== "/session") {
      setSessionToken(null);
      onExpired();
    }
    throw new ApiError(res.status, data.error ?? "error", data.message ?? res.statusText);
  }
  return data as T;
}

/**
 * A fault-injecting HTTP proxy to put in front of a fake cloud (or any fake API), for chaos runs.
 *
 * The fakes' own switches (`fail(n)`, `timeout(n)`) act on "the next n requests", whatever they
 * are. Under load that is rarely the request that matters, so this proxy adds faults *by rate*
 * and *by kind of request*: e.g. "5 % of all calls answer 500", "10 % of creates are carried out
 * but their answer never arrives". Point the service's DO_API_URL (etc.) at `proxy.url(apiBase)`.
 *
 *   const proxy = await startFaultProxy(fake.origin);
 *   proxy.setRules([{ rate: 0.05, fault: { status: 500 } }, { method: "POST", path: /\/droplets$/, rate: 0.1, fault: "lost-answer" }]);
 *   proxy.stats();   // { forwarded, "500": 12, "lost-answer": 3, … }
 *
 * Fault kinds: `{ status, retryAfter?, body? }` answers at once without forwarding (the provider
 * refused before acting); "lost-answer" forwards (the provider acts) and then never answers, until
 * the client gives up; "reset" drops the connection without forwarding.
 */
import { Hono, type Context } from "hono";
import { listenFake, type ListeningFake } from "../http.js";

export type ProxyFault = { status: number; retryAfter?: number; body?: string | Record<string, unknown> } | "lost-answer" | "reset";

export interface ProxyFaultRule {
  /** Only requests with this method (default: any). */
  method?: string;
  /** Only requests whose path matches (default: any). */
  path?: RegExp;
  /** Probability per matching request, 0..1. */
  rate: number;
  fault: ProxyFault;
}

export interface FaultProxy {
  readonly origin: string;
  readonly port: number;
  /** The proxy's address with the target API's base path, e.g. url("/v2"). */
  url(apiBase?: string): string;
  /** Replaces the rules (an empty list turns faults off). The first matching rule that fires wins. */
  setRules(rules: ProxyFaultRule[]): void;
  /** Counts: "forwarded", and one per fault kind injected ("500", "429", "lost-answer", "reset"). */
  stats(): Record<string, number>;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "host", "content-length"]);
const NULL_BODY = new Set([101, 204, 205, 304]);

const faultName = (f: ProxyFault) => (typeof f === "string" ? f : String(f.status));

/** Starts a proxy to `target` (an origin such as http://127.0.0.1:41234) on 127.0.0.1. */
export async function startFaultProxy(target: string, opts: { random?: () => number; port?: number } = {}): Promise<FaultProxy> {
  const random = opts.random ?? Math.random;
  let rules: ProxyFaultRule[] = [];
  const counts: Record<string, number> = {};
  const count = (name: string) => (counts[name] = (counts[name] ?? 0) + 1);
  const waiting = new Set<() => void>();

  const pick = (method: string, path: string): ProxyFault | undefined =>
    rules.find((r) => (!r.method || r.method === method) && (!r.path || r.path.test(path)) && random() < r.rate)?.fault;

  const forward = async (c: Context): Promise<Response> => {
    const url = new URL(c.req.url);
    const headers = new Headers();
    c.req.raw.headers.forEach((value, key) => !HOP_BY_HOP.has(key) && headers.set(key, value));
    const body = c.req.method === "GET" || c.req.method === "HEAD" ? undefined : await c.req.arrayBuffer();
    const res = await fetch(`${target}${url.pathname}${url.search}`, { method: c.req.method, headers, body, signal: AbortSignal.timeout(60_000) });
    const out = new Headers();
    res.headers.forEach((value, key) => !HOP_BY_HOP.has(key) && key !== "content-encoding" && out.set(key, value));
    // 204/304 answers carry no body (a Response with one, even empty, is refused).
    const bytes = NULL_BODY.has(res.status) ? null : await res.arrayBuffer();
    return new Response(bytes, { status: res.status, headers: out });
  };

  /** Parks the request until its client disconnects or the proxy stops. */
  const hang = (c: Context) =>
    new Promise<void>((resolve) => {
      const signal = c.req.raw.signal;
      const done = () => {
        waiting.delete(done);
        resolve();
      };
      waiting.add(done);
      if (signal.aborted) done();
      else signal.addEventListener("abort", done, { once: true });
    });

  const app = new Hono();
  app.all("*", async (c) => {
    const path = new URL(c.req.url).pathname;
    const fault = pick(c.req.method, path);
    if (fault === undefined) {
      count("forwarded");
      return forward(c);
    }
    count(faultName(fault));
    if (fault === "reset") {
      // The socket goes away without an answer, as with a crashed load balancer.
      (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming?.socket?.destroy();
      await hang(c);
      return new Response(null, { status: 502 });
    }
    if (fault === "lost-answer") {
      await forward(c).catch(() => undefined);
      await hang(c);
      return new Response(null, { status: 504 });
    }
    const body = typeof fault.body === "object" ? fault.body : { message: fault.body ?? `injected ${fault.status}` };
    const res = c.json(body, fault.status as 500);
    if (fault.retryAfter !== undefined) res.headers.set("retry-after", String(fault.retryAfter));
    return res;
  });

  const listening: ListeningFake = await listenFake(app, { port: opts.port }, () => {
    for (const release of [...waiting]) release();
  });
  return {
    origin: listening.origin,
    port: listening.port,
    url: (apiBase = "") => `${listening.origin}${apiBase}`,
    setRules: (next) => {
      rules = [...next];
    },
    stats: () => ({ ...counts }),
    stop: () => listening.stop(),
  };
}

// Lethe's browser agent, served at GET {base}/agent/v1.js (docs/browser-agent.md). One tag installs it:
//   <script src="{base}/agent/v1.js" data-key="pk_…" async></script>
// It measures page loads, route changes, clicks, fetch/XHR calls and uncaught errors, and sends them to
// POST {base}/v1/browser-events?key=pk_… (docs/agent-protocol.md). Anonymous by default: no cookies, no storage,
// no fingerprinting, query strings and fragments dropped, an identity only after lethe.identify(). It never
// throws into the host page. Budget: 8 KB gzipped (npm run bench).

type EventType = 'page-load' | 'route-change' | 'click' | 'xhr' | 'fetch' | 'error';
interface AgentEvent {
  id: string;
  type: EventType;
  timestamp: number;
  duration: number;
  outcome: 'ok' | 'slow' | 'failed';
  url?: string;
  label?: string;
  error?: string;
  userId?: string;
  doNotTrack?: boolean;
}
type Call = [string, ...unknown[]];
export interface LetheApi {
  identify(id: string): void;
  anonymous(): void;
  doNotTrack(on?: boolean): void;
  flush(): Promise<void>;
  /** events waiting to be sent (for tests and diagnostics) */
  pending(): number;
  version: string;
}

/** What the protocol allows a browser batch (src/core/limits.ts), and what a page may keep queued. */
const MAX_EVENTS = 100;
const MAX_BYTES = 256_000;
const MAX_QUEUE = 1_000;
/** a keepalive request (and sendBeacon) may carry at most 64 KiB in flight */
const KEEPALIVE_BYTES = 60_000;
const MAX_LABEL = 100;
const SLOW: Record<EventType, number> = {
  'page-load': 3000,
  'route-change': 1000,
  click: 1000,
  fetch: 1000,
  xhr: 1000,
  error: Infinity,
};

const w = window as unknown as Window & { lethe?: LetheApi | Call[] };
const quietly =
  <A extends unknown[], R>(f: (...a: A) => R) =>
  (...a: A): R | undefined => {
    try {
      return f(...a);
    } catch {
      return undefined;
    }
  };

interface Config {
  base: string;
  endpoint: string;
  allowParams: Set<string>;
  slow: Record<EventType, number>;
  /** the browser sends Global Privacy Control or Do Not Track, and the customer chose to honour it */
  browserSaysNo: boolean;
  flushMs: number;
}

function configOf(script: HTMLScriptElement): Config | undefined {
  const data = script.dataset;
  if (!data.key) return undefined;
  const base = script.src.replace(/\/agent\/v1\.js(?:[?#].*)?$/, '');
  const slow = { ...SLOW };
  for (const pair of (data.slow ?? '').split(',')) {
    const [type, ms] = pair.split(':').map((x) => x.trim());
    if (type && type in slow && Number(ms) >= 0) slow[type as EventType] = Number(ms);
  }
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  return {
    base,
    endpoint: `${base}/v1/browser-events?key=${encodeURIComponent(data.key)}`,
    allowParams: new Set(
      (data.allowParams ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
    slow,
    browserSaysNo: data.respectDnt === 'true' && (nav.globalPrivacyControl === true || nav.doNotTrack === '1'),
    flushMs: Number(data.flushMs ?? 2000) || 2000,
  };
}

const uuid = (): string => {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
};

/** Only the origin and path, plus the query parameters the customer allowed; never a fragment or credentials. */
function cleanUrl(raw: string, allowParams: Set<string>): string | undefined {
  try {
    const u = new URL(raw, location.href);
    const kept = new URLSearchParams();
    u.searchParams.forEach((v, k) => allowParams.has(k) && kept.append(k, v));
    const q = kept.toString();
    return `${u.origin}${u.pathname}${q ? `?${q}` : ''}`.slice(0, 8192);
  } catch {
    return undefined;
  }
}

interface Transport {
  enqueue(e: AgentEvent): void;
  send(): Promise<void>;
  flush(): Promise<void>;
  beacon(): void;
  pending(): number;
}

/**
 * The queue and its sending: batches of at most 100 events and 256 kB from the head of a bounded queue; 429, 5xx and
 * network errors keep the batch and retry with backoff; 401/403 stop the agent for the page's lifetime.
 */
function transport(cfg: Config, nativeFetch: typeof fetch): Transport {
  let queue: AgentEvent[] = [];
  let inFlight: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let refused = false;

  const schedule = (ms: number) => {
    if (timer !== undefined || refused) return;
    timer = setTimeout(() => {
      timer = undefined;
      void send();
    }, ms);
  };

  /** The head of the queue that fits: each event serialized once, its UTF-8 size added to the batch's. */
  const nextBatch = (): [AgentEvent[], string] => {
    const encoder = new TextEncoder();
    const parts: string[] = [];
    let bytes = '{"events":[]}'.length;
    for (const e of queue.slice(0, MAX_EVENTS)) {
      const json = JSON.stringify(e);
      const size = encoder.encode(json).length + (parts.length ? 1 : 0);
      if (bytes + size > MAX_BYTES) break;
      parts.push(json);
      bytes += size;
    }
    return [queue.slice(0, parts.length), `{"events":[${parts.join(',')}]}`];
  };

  /** One attempt: the answer's status (0 for a network error) and its Retry-After in seconds. */
  const attempt = async (body: string): Promise<[number, number]> => {
    try {
      const res = await nativeFetch(cfg.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body,
        keepalive: body.length < KEEPALIVE_BYTES,
        credentials: 'omit',
      });
      return [res.status, Number(res.headers.get('retry-after')) || 0];
    } catch {
      return [0, 0];
    }
  };

  const send = (): Promise<void> => {
    inFlight ??= (async () => {
      while (queue.length && !refused) {
        const [batch, body] = nextBatch();
        if (!batch.length) {
          queue.shift(); // one event over the limit can never be sent
          continue;
        }
        const [status, retryAfter] = await attempt(body);
        if (status === 429 || status === 0 || status >= 500) {
          failures++;
          const backoff = Math.min(60_000, 1000 * 2 ** Math.min(failures - 1, 6)) * (0.5 + Math.random() / 2);
          schedule(Math.max(backoff, retryAfter * 1000));
          return;
        }
        failures = 0;
        queue = queue.slice(batch.length);
        // 401/403: this page may not send (unknown key, origin not allowed): stop quietly, the page goes on
        if (status === 401 || status === 403) {
          refused = true;
          queue = [];
        }
      }
    })().finally(() => (inFlight = undefined));
    return inFlight;
  };

  return {
    enqueue(e) {
      if (refused || queue.length >= MAX_QUEUE) return;
      queue.push(e);
      schedule(queue.length >= MAX_EVENTS ? 0 : cfg.flushMs);
    },
    send,
    flush() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      return send().catch(() => {});
    },
    /** On pagehide what is left goes with sendBeacon, which outlives the page. */
    beacon() {
      while (queue.length && 'sendBeacon' in navigator && !refused) {
        const [batch, body] = nextBatch();
        if (!batch.length || body.length >= KEEPALIVE_BYTES) break;
        if (!navigator.sendBeacon(cfg.endpoint, new Blob([body], { type: 'text/plain' }))) break;
        queue = queue.slice(batch.length);
      }
    },
    pending: () => queue.length,
  };
}

type Recorder = (type: EventType, duration: number, failed: boolean, extra?: Partial<AgentEvent>) => void;
const now = () => performance.now();

/** Time from an interaction until the browser painted the next frame after it. */
const afterPaint = (t0: number, then: (ms: number) => void) =>
  requestAnimationFrame(() =>
    setTimeout(
      quietly(() => then(now() - t0)),
      0,
    ),
  );

/** Page loads (Navigation Timing) and route changes (History API, the back button). */
function watchNavigation(record: Recorder): void {
  const pageLoad = quietly(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    record('page-load', n ? n.loadEventEnd || n.duration : now(), false);
  });
  if (document.readyState === 'complete') setTimeout(pageLoad, 0);
  else addEventListener('load', () => setTimeout(pageLoad, 0), { once: true });

  const routeChange = quietly(() => {
    const t0 = now();
    afterPaint(t0, (ms) => record('route-change', ms, false));
  });
  for (const m of ['pushState', 'replaceState'] as const) {
    const original = history[m];
    history[m] = function (this: History, ...args: Parameters<History['pushState']>) {
      const before = location.href;
      const r = original.apply(this, args);
      if (location.href !== before) routeChange();
      return r;
    };
  }
  addEventListener('popstate', routeChange);
}

/** Clicks on links and buttons, with their visible label (data-lethe-label overrides it). */
function watchClicks(record: Recorder): void {
  const labelOf = (el: Element): string | undefined => {
    const own = el.closest('[data-lethe-label]')?.getAttribute('data-lethe-label');
    const text =
      own ??
      el.getAttribute('aria-label') ??
      ((el as HTMLElement).innerText || (el as HTMLInputElement).value || el.getAttribute('title') || '');
    return text.replace(/\s+/g, ' ').trim().slice(0, MAX_LABEL) || undefined;
  };
  addEventListener(
    'click',
    quietly((ev: MouseEvent) => {
      const el = (ev.target as Element | null)?.closest?.(
        'a,button,[role=button],[role=link],input[type=button],input[type=submit],[data-lethe-label]',
      );
      if (!el) return;
      const t0 = now();
      const label = labelOf(el);
      afterPaint(t0, (ms) => record('click', ms, false, label ? { label } : {}));
    }),
    true,
  );
}

/** fetch and XHR calls: the host page gets the very same promise and object; the agent's own calls are skipped. */
function watchCalls(record: Recorder, nativeFetch: typeof fetch, cfg: Config): void {
  const done = (type: 'fetch' | 'xhr', url: string, t0: number, status: number) =>
    quietly(() => {
      if (!url.startsWith(`${cfg.base}/v1/browser-events`))
        record(type, now() - t0, status === 0 || status >= 500, { url: cleanUrl(url, cfg.allowParams) });
    })();
  w.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
    const t0 = now();
    const p = nativeFetch(input, init);
    const url = quietly(() => (input instanceof Request ? input.url : String(input)))() ?? '';
    p.then(
      (r) => done('fetch', url, t0, r.status),
      () => done('fetch', url, t0, 0),
    );
    return p;
  };
  const urls = new WeakMap<XMLHttpRequest, string>();
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...args: unknown[]) {
    quietly(() => urls.set(this, String(args[1])))();
    return (open as (...a: unknown[]) => void).apply(this, args);
  } as typeof open;
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
    const t0 = now();
    quietly(() => this.addEventListener('loadend', () => done('xhr', urls.get(this) ?? '', t0, this.status)))();
    return send.call(this, body);
  };
}

/** Uncaught errors and unhandled rejections: the message only (no stack, no file names). */
function watchErrors(record: Recorder): void {
  const failed = (message: unknown) => record('error', 0, true, { error: String(message || 'error').slice(0, 8192) });
  addEventListener(
    'error',
    quietly(
      (ev: ErrorEvent) => ev.message !== undefined && failed(ev.error instanceof Error ? ev.error.message : ev.message),
    ),
  );
  addEventListener(
    'unhandledrejection',
    quietly((ev: PromiseRejectionEvent) => {
      const r: unknown = ev.reason;
      failed(r instanceof Error ? r.message : typeof r === 'string' ? r : 'unhandled rejection');
    }),
  );
}

function start(script: HTMLScriptElement): void {
  const cfg = configOf(script);
  if (!cfg) return;
  const nativeFetch = w.fetch.bind(w);
  const out = transport(cfg, nativeFetch);
  let userId: string | undefined;
  let dnt = cfg.browserSaysNo;

  const record: Recorder = (type, duration, failed, extra = {}) => {
    const d = Math.min(Math.max(0, Math.round(duration)), 86_400_000);
    const e: AgentEvent = {
      id: uuid(),
      type,
      timestamp: Date.now(),
      duration: d,
      outcome: failed ? 'failed' : d > cfg.slow[type] ? 'slow' : 'ok',
      url: cleanUrl(location.href, cfg.allowParams),
      ...extra,
    };
    if (dnt) e.doNotTrack = true;
    else if (userId !== undefined) e.userId = userId;
    out.enqueue(e);
  };
  watchNavigation(record);
  watchClicks(record);
  watchCalls(record, nativeFetch, cfg);
  watchErrors(record);
  addEventListener('pagehide', quietly(out.beacon));
  document.addEventListener(
    'visibilitychange',
    quietly(() => document.visibilityState === 'hidden' && void out.send()),
  );

  const api: LetheApi = {
    version: '1',
    identify: (id: string) => {
      if (typeof id === 'string' && id.length > 0 && id.length <= 256) userId = id;
    },
    anonymous: () => (userId = undefined),
    doNotTrack: (on = true) => (dnt = on || cfg.browserSaysNo),
    flush: out.flush,
    pending: out.pending,
  };
  // calls made before the script loaded: window.lethe = window.lethe || []; lethe.push(['identify', 'u-42'])
  const early = Array.isArray(w.lethe) ? w.lethe : [];
  w.lethe = api;
  for (const [name, ...args] of early)
    quietly(() => (api[name as keyof LetheApi] as (...a: unknown[]) => unknown)(...args))();
}

const self = document.currentScript as HTMLScriptElement | null;
if (self && !(w.lethe && !Array.isArray(w.lethe))) quietly(start)(self);

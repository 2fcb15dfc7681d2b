/**
 * The engine's network ports in a browser: Http over fetch, WebSockets over the browser's
 * WebSocket. Relays answer CORS for every origin (SPEC 2.10), so a page served by one relay can
 * talk to any other. No cookies or credentials are ever sent.
 */
import type { Http, HttpRequest, HttpResponse, WebSocketFactory, WebSocketLike } from '../protocol/client/ports.ts';

/** Http over fetch. Rejects only when no answer came (offline, refused, timed out, aborted). */
export function createFetchHttp(fetchFn: typeof fetch = (...a) => fetch(...a)): Http {
  return {
    async request(r: HttpRequest): Promise<HttpResponse> {
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(new DOMException('timed out', 'TimeoutError')), r.timeoutMs);
      const onAbort = () => ctl.abort(r.signal?.reason);
      if (r.signal?.aborted) onAbort();
      r.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const res = await fetchFn(r.url, {
          method: r.method,
          headers: r.headers,
          body: r.body as BodyInit | undefined,
          signal: ctl.signal,
          cache: 'no-store',
          credentials: 'omit',
          mode: 'cors',
          redirect: 'follow',
        });
        const body = new Uint8Array(await res.arrayBuffer());
        const headers: Record<string, string> = {};
        res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
        return { status: res.status, headers, body };
      } finally {
        clearTimeout(timer);
        r.signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}

/** WebSocketFactory over the browser's WebSocket. */
export const browserWebSocket: WebSocketFactory = (url: string): WebSocketLike => {
  const ws = new WebSocket(url);
  const like: WebSocketLike = {
    send: (text) => ws.send(text),
    close: () => ws.close(),
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  ws.onopen = () => like.onopen?.();
  ws.onmessage = (e: MessageEvent) => typeof e.data === 'string' && like.onmessage?.(e.data);
  ws.onclose = () => like.onclose?.();
  ws.onerror = (e) => like.onerror?.(e);
  return like;
};

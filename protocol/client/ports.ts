/**
 * Ports of the client engine: the few things the engine needs from its host, as small async
 * interfaces. The CLI implements them with node:http, `ws` and better-sqlite3; the web client with
 * fetch, WebSocket and IndexedDB. Everything that crosses a port is plain data.
 * Trust boundary: whatever comes back through Http or a WebSocket is untrusted relay output and
 * is parsed with protocol/wire.ts before use.
 */

/** One HTTP request as the engine makes it. `url` is absolute. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Give up (reject) after this long, connect included. */
  timeoutMs: number;
  /** Give up when this aborts (a long poll the user no longer wants). */
  signal?: AbortSignal;
}

/** The answer, whatever its status. Lower-case header names. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * HTTP transport. Resolves with any status (4xx/5xx included); rejects only when no answer came
 * (connection refused, timeout, abort). Implementations: node:http/https (CLI), fetch (browser).
 */
export interface Http {
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** The subset of a WebSocket the engine uses (browser WebSocket and `ws` both fit via an adapter). */
export interface WebSocketLike {
  send(text: string): void;
  close(): void;
  onopen: (() => void) | null;
  onmessage: ((text: string) => void) | null;
  onclose: (() => void) | null;
  onerror: ((err: unknown) => void) | null;
}
/** Opens a WebSocket to `url` (ws: or wss:). */
export type WebSocketFactory = (url: string) => WebSocketLike;

/** Wall clock, injectable for tests. */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

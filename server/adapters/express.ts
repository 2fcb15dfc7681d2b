/**
 * HTTP adapter of the standalone relay. Versioned API paths (`/v1/…`, and `/vN/…` so that other
 * versions get `unsupported-version`) go straight from node:http to the core as plain requests —
 * the body read here as raw bytes, capped at maxBodyBytes so an oversize upload is answered 413
 * without buffering it; express is not on that path (it costs ~25 % of a small request). Everything
 * else goes to express, loaded on first use: the web client's static files, then a JSON 404 (with
 * no web client to serve, the JSON 404 comes straight away). Trust boundary: the socket.
 * The data folder is never under the served folder (checked at start).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { authMessage, parseAuthHeader } from '../../protocol/auth.ts';
import { TincanError } from '../../protocol/errors.ts';
import { errorResponse, type RelayRequest, type RelayResponse } from '../core/http.ts';
import type { Relay } from '../core/relay.ts';
import type { NodeCrypto } from './node-crypto.ts';

export interface HttpAdapterOptions {
  relay: Relay;
  /** True once the relay is closing: waiting long polls end at once. */
  closing?: () => boolean;
  maxBodyBytes: number;
  /** Folder of the web client's static files, served at `/` when given. */
  webRoot?: string | undefined;
  /** When given, signatures are checked on the thread pool before the core runs (see NodeCrypto.preverifyEd25519). */
  crypto?: NodeCrypto;
  /** The store's group commit (SqliteStore.settled): an answer waits until what it reports is durable. */
  settled?: () => Promise<void> | null;
}

const API_PATH = /^\/v\d+(\/|$|\?)/;

function readBody(req: IncomingMessage, max: number): Promise<Uint8Array | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > max) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let n = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > max) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? 'too-large' : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Verifies a signed request's signature off the event loop; the core then finds it verified. */
function preverify(crypto: NodeCrypto, rr: RelayRequest): Promise<void> | undefined {
  const header = rr.headers['x-tincan-auth'];
  if (!header || rr.method === 'OPTIONS') return undefined;
  const f = parseAuthHeader(header);
  if (!f) return undefined;
  const pathAndQuery = rr.query === '' ? rr.path : `${rr.path}?${rr.query}`;
  return crypto.preverifyEd25519(f.key, authMessage(rr.method, pathAndQuery, crypto.sha256(rr.body), f.ts, f.nonce), f.sig);
}

function send(res: ServerResponse, r: RelayResponse): void {
  // With its length known up front the answer goes out as one write, not chunked.
  res.writeHead(r.status, r.status === 204 ? r.headers : { ...r.headers, 'content-length': String(r.body.length) });
  res.end(r.body);
}

/** Builds the request handler of the standalone HTTP server. */
export function createHttpHandler(opts: HttpAdapterOptions): ((req: IncomingMessage, res: ServerResponse) => void) & { drain(): Promise<void> } {
  // express (~4 MB of heap, ~15 MB resident) is loaded when the first request for the web client
  // comes: a relay that only its clients' API requests reach never needs it.
  let app: Promise<Express> | null = null;
  const loadApp = async (webRoot: string): Promise<Express> => {
    const { default: express } = await import('express');
    const a = express();
    a.disable('x-powered-by');
    a.disable('etag');
    a.set('query parser', false);
    a.use(express.static(webRoot, { index: 'index.html', dotfiles: 'ignore' }));
    a.use((req, res) => send(res, notFound(req.method, req.path)));
    return a;
  };
  const notFound = (method: string | undefined, p: string) => errorResponse(new TincanError('not-found', `Nothing here: ${method} ${p.slice(0, 200)}.`));

  const internal = (res: ServerResponse, err: unknown) => {
    const id = opts.relay.logUnexpected(err, 'http');
    if (!res.headersSent) send(res, { status: 500, headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': id }, body: new TextEncoder().encode(JSON.stringify({ error: { code: 'internal', message: `The relay failed unexpectedly (request id ${id}).` } })) });
    else res.destroy();
  };

  async function api(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, opts.maxBodyBytes);
    if (body === 'too-large') return send(res, errorResponse(new TincanError('body-too-large', `Request bodies may hold at most ${opts.maxBodyBytes} bytes.`)));
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const rr: RelayRequest = { method: (req.method ?? 'GET').toUpperCase(), path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers, body };
    if (req.socket.remoteAddress) rr.remoteAddr = req.socket.remoteAddress;
    if (opts.crypto) await preverify(opts.crypto, rr);
    let r = await opts.relay.handle(rr, { heartbeat: () => !req.socket.destroyed, aborted: () => req.socket.destroyed || (opts.closing?.() ?? false) });
    const committed = opts.settled?.();
    if (committed) {
      try {
        await committed;
      } catch (e) {
        // What this request changed was rolled back with its group: it must not be reported done.
        r = errorResponse(e instanceof TincanError ? e : new TincanError('unavailable', 'The relay could not save this change; retry in a moment.'));
      }
    }
    if (!res.headersSent && !req.socket.destroyed) send(res, r);
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (!API_PATH.test(req.url ?? '')) {
      if (!opts.webRoot) return send(res, notFound(req.method, (req.url ?? '/').split('?')[0]!));
      const webRoot = opts.webRoot;
      app ??= loadApp(webRoot).catch((e: unknown) => {
        app = null; // try again on the next request
        throw e;
      });
      void app.then((a) => a(req, res), (e: unknown) => internal(res, e));
      return;
    }
    const done = api(req, res).catch((e: unknown) => internal(res, e));
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };
  const inFlight = new Set<Promise<void>>();
  /** Resolves when every API request under way has finished (for a graceful close). */
  handler.drain = () => Promise.all([...inFlight]).then(() => undefined);
  return handler;
}

/**
 * The CLI's Http port on node:http/https (not global fetch, whose first use costs ~30 ms of
 * module loading in a fresh process). A short connect timeout, so a relay that is down costs
 * little; a total timeout per request; keep-alive within one process.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type * as Https from 'node:https';
import type { Http, HttpRequest, HttpResponse } from '../protocol/client/ports.ts';

// node:https pulls in TLS, which a fresh process pays for even when every relay is plain http
// (loopback, a reverse proxy in front): load it on first use only.
const requireHere = createRequire(import.meta.url);
let httpsModule: typeof Https | null = null;
const https = (): typeof Https => (httpsModule ??= requireHere('node:https') as typeof Https);

export interface NodeHttpOptions {
  /** Give up connecting after this (default 3000 ms). */
  connectTimeoutMs?: number;
}

export function createNodeHttp(o: NodeHttpOptions = {}): Http & { close(): void } {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let httpsAgent: Https.Agent | null = null;
  const agentFor = (protocol: string) => (protocol === 'https:' ? (httpsAgent ??= new (https().Agent)({ keepAlive: true, maxSockets: 16 })) : httpAgent);
  const connectTimeout = o.connectTimeoutMs ?? 3000;
  return {
    request(req: HttpRequest): Promise<HttpResponse> {
      return new Promise((resolve, reject) => {
        const url = new URL(req.url);
        const mod = url.protocol === 'https:' ? https() : http;
        const headers: Record<string, string> = { ...req.headers };
        if (req.body) headers['content-length'] = String(req.body.length);
        const r = mod.request(
          url,
          { method: req.method, headers, agent: agentFor(url.protocol) },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              clearTimeout(total);
              req.signal?.removeEventListener('abort', onAbort);
              const h: Record<string, string> = {};
              for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
              const buf = Buffer.concat(chunks);
              resolve({ status: res.statusCode ?? 0, headers: h, body: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) });
            });
            res.on('error', fail);
          },
        );
        let done = false;
        function fail(err: Error) {
          if (done) return;
          done = true;
          clearTimeout(total);
          clearTimeout(connect);
          req.signal?.removeEventListener('abort', onAbort);
          r.destroy();
          reject(err);
        }
        const total = setTimeout(() => fail(new Error(`no answer within ${Math.round(req.timeoutMs / 1000)} s`)), req.timeoutMs);
        const connect = setTimeout(() => fail(new Error(`could not connect within ${connectTimeout / 1000} s`)), connectTimeout);
        r.on('socket', (s) => {
          if (!s.connecting) clearTimeout(connect);
          else s.once('connect', () => clearTimeout(connect));
        });
        r.on('error', (e) => fail(e));
        // Removed when the request ends: live mode passes one long-lived signal to every long poll.
        const onAbort = () => fail(new Error('aborted'));
        if (req.signal) {
          if (req.signal.aborted) fail(new Error('aborted'));
          req.signal.addEventListener('abort', onAbort, { once: true });
        }
        if (req.body) r.end(Buffer.from(req.body.buffer, req.body.byteOffset, req.body.length));
        else r.end();
      });
    },
    close() {
      httpAgent.destroy();
      httpsAgent?.destroy();
    },
  };
}

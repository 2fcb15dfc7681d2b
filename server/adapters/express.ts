/**
 * express adapter for the standalone relay: `/v1/*` goes to the core as a plain request (the body
 * read here as raw bytes, capped at maxBodyBytes so an oversize upload is answered 413 without
 * buffering it), everything else is the web client's static files. Trust boundary: the socket.
 * The data folder is never under the served folder (checked at start).
 */
import express, { type Request, type Response } from 'express';
import { TincanError } from '../../protocol/errors.ts';
import { errorResponse, type RelayRequest, type RelayResponse } from '../core/http.ts';
import type { Relay } from '../core/relay.ts';

export interface ExpressAppOptions {
  relay: Relay;
  maxBodyBytes: number;
  /** Folder of the web client's static files, served at `/` when given. */
  webRoot?: string | undefined;
}

function readBody(req: Request, max: number): Promise<Uint8Array | 'too-large'> {
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
    req.on('end', () => resolve(over ? 'too-large' : new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function send(res: Response, r: RelayResponse): void {
  res.status(r.status);
  for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
  res.end(Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength));
}

export function createExpressApp(opts: ExpressAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);
  // Every versioned path goes to the core (which answers unsupported-version for other versions).
  app.use((req, res, next) => {
    if (!/^\/v\d+(\/|$)/.test(req.path)) return next();
    void (async () => {
      const body = await readBody(req, opts.maxBodyBytes);
      if (body === 'too-large') {
        send(res, errorResponse(new TincanError('body-too-large', `Request bodies may hold at most ${opts.maxBodyBytes} bytes.`)));
        return;
      }
      const url = req.originalUrl;
      const q = url.indexOf('?');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const rr: RelayRequest = {
        method: req.method.toUpperCase(),
        path: q < 0 ? url : url.slice(0, q),
        query: q < 0 ? '' : url.slice(q + 1),
        headers,
        body,
      };
      if (req.socket.remoteAddress) rr.remoteAddr = req.socket.remoteAddress;
      const r = await opts.relay.handle(rr, { heartbeat: () => !req.socket.destroyed });
      if (!res.headersSent && !req.socket.destroyed) send(res, r);
    })().catch(next);
  });
  if (opts.webRoot) app.use(express.static(opts.webRoot, { index: 'index.html', dotfiles: 'ignore' }));
  app.use((req, res) => {
    send(res, errorResponse(new TincanError('not-found', `Nothing here: ${req.method} ${req.path.slice(0, 200)}.`)));
  });
  // The edge handler for anything thrown outside the core: logged with an id, answered without a stack.
  app.use((err: unknown, _req: Request, res: Response, _next: () => void) => {
    const id = opts.relay.logUnexpected(err, 'express');
    if (!res.headersSent) send(res, { status: 500, headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': id }, body: new TextEncoder().encode(JSON.stringify({ error: { code: 'internal', message: `The relay failed unexpectedly (request id ${id}).` } })) });
  });
  return app;
}

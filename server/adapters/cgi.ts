/**
 * CGI adapter (RFC 3875). Environment: a process started by the web server (Apache mod_cgi,
 * lighttpd mod_cgi, …) for exactly one request; the request arrives as environment variables plus
 * exactly CONTENT_LENGTH bytes of stdin (to EOF when the server de-chunked an upload and set no
 * length), and the answer goes to fd 1 as `Status:` + headers + blank line + body. All I/O is
 * synchronous fs on raw fds — never process.stdout, whose stream puts pipes into non-blocking mode
 * and adds startup cost. Trust boundary: everything in env and stdin comes from the client
 * (through the web server) and is handed to the core, which validates it.
 */
import { readSync, writeSync } from 'node:fs';
import { errorResponse, REASONS, type RelayRequest, type RelayResponse } from '../core/http.ts';
import { TincanError } from '../../protocol/errors.ts';
import type { HandleHooks, Relay } from '../core/relay.ts';

export type CgiEnv = Record<string, string | undefined>;

/** Cap on how much of an oversize body is drained before answering 413 (so the server's write does not fail). */
const DRAIN_LIMIT = 8 * 1024 * 1024;

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readSome(fd: number, buf: Uint8Array, offset: number, length: number): number {
  for (let attempt = 0; ; attempt++) {
    try {
      return readSync(fd, buf, offset, length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' && attempt < 30_000) {
        sleepMs(1);
        continue;
      }
      if (code === 'EOF') return 0;
      throw e;
    }
  }
}

/**
 * Reads the request body from `fd`: exactly CONTENT_LENGTH bytes, or to EOF when it is unset on a
 * method that carries a body (Apache passes chunked uploads that way). Returns 'too-large' past
 * `maxBytes` (after draining a bounded amount), or 'truncated' when stdin ended early.
 */
export function readCgiBody(env: CgiEnv, maxBytes: number, fd = 0): Uint8Array | 'too-large' | 'truncated' {
  const lengthText = env['CONTENT_LENGTH'];
  const method = env['REQUEST_METHOD'] ?? 'GET';
  if (lengthText === undefined || lengthText === '') {
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return new Uint8Array(0);
    const buf = new Uint8Array(maxBytes + 1);
    let n = 0;
    for (;;) {
      const got = readSome(fd, buf, n, buf.length - n);
      if (got === 0) return buf.subarray(0, n);
      n += got;
      if (n > maxBytes) {
        drain(fd, DRAIN_LIMIT);
        return 'too-large';
      }
    }
  }
  if (!/^\d{1,12}$/.test(lengthText)) return 'truncated';
  const length = Number(lengthText);
  if (length > maxBytes) {
    drain(fd, Math.min(length, DRAIN_LIMIT));
    return 'too-large';
  }
  const buf = new Uint8Array(length);
  let n = 0;
  while (n < length) {
    const got = readSome(fd, buf, n, length - n);
    if (got === 0) return 'truncated';
    n += got;
  }
  return buf;
}

function drain(fd: number, limit: number): void {
  const scratch = new Uint8Array(65536);
  let total = 0;
  while (total < limit) {
    const got = readSome(fd, scratch, 0, Math.min(scratch.length, limit - total));
    if (got === 0) return;
    total += got;
  }
}

/** The path from `/v1` on: PATH_INFO when the server set it, else REQUEST_URI minus the script (or its folder). */
export function cgiPath(env: CgiEnv): string {
  const pathInfo = env['PATH_INFO'];
  if (pathInfo) return pathInfo;
  const uri = (env['REQUEST_URI'] ?? '').split('?')[0]!;
  const script = env['SCRIPT_NAME'] ?? '';
  if (script && uri.startsWith(`${script}/`)) return uri.slice(script.length);
  const dir = script.slice(0, script.lastIndexOf('/'));
  if (dir && uri.startsWith(`${dir}/`)) return uri.slice(dir.length);
  return uri;
}

/** Builds the core's request from a CGI environment and the body read from stdin. */
export function requestFromCgi(env: CgiEnv, body: Uint8Array): RelayRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || !k.startsWith('HTTP_')) continue;
    headers[k.slice(5).toLowerCase().replace(/_/g, '-')] = v;
  }
  // After an internal redirect Apache may only pass the REDIRECT_-prefixed copy.
  const redirectedAuth = env['REDIRECT_HTTP_X_TINCAN_AUTH'];
  if (headers['x-tincan-auth'] === undefined && redirectedAuth !== undefined) headers['x-tincan-auth'] = redirectedAuth;
  if (env['CONTENT_TYPE']) headers['content-type'] = env['CONTENT_TYPE'];
  if (env['CONTENT_LENGTH']) headers['content-length'] = env['CONTENT_LENGTH'];
  const req: RelayRequest = {
    method: (env['REQUEST_METHOD'] ?? 'GET').toUpperCase(),
    path: cgiPath(env),
    query: env['QUERY_STRING'] ?? '',
    headers,
    body,
  };
  if (env['REMOTE_ADDR']) req.remoteAddr = env['REMOTE_ADDR'];
  return req;
}

/** Writes all of `data` to `fd`; false when the reader went away (EPIPE). */
export function writeAll(fd: number, data: Uint8Array): boolean {
  let off = 0;
  for (let attempt = 0; off < data.length; ) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' && attempt++ < 30_000) {
        sleepMs(1);
        continue;
      }
      if (code === 'EPIPE' || code === 'ECONNRESET') return false;
      throw e;
    }
  }
  return true;
}

/** `Status:` line and header block of a CGI answer (RFC 3875 §6; never a raw HTTP status line). */
export function cgiHead(status: number, headers: Record<string, string>): string {
  let head = `Status: ${status} ${REASONS[status] ?? 'Status'}\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    if (/[\r\n]/.test(v)) continue;
    head += `${k.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase())}: ${v}\r\n`;
  }
  return `${head}\r\n`;
}

/**
 * Headers of a long poll under CGI: a type hosts do not compress (DEFLATE filters hold back
 * output until the end, which would swallow the heartbeats), and no proxy buffering.
 */
const LONG_POLL_HEADERS: Record<string, string> = {
  'content-type': 'application/octet-stream',
  'cache-control': 'no-store, no-transform',
  'x-accel-buffering': 'no',
  'access-control-allow-origin': '*',
};

function isLongPoll(req: RelayRequest): boolean {
  return req.method === 'GET' && /\/envelopes$/.test(req.path) && /(^|&)wait=[1-9]/.test(req.query);
}

export interface ServeCgiOptions {
  env: CgiEnv;
  maxBodyBytes: number;
  stdinFd?: number;
  stdoutFd?: number;
}

/** Serves the one request of this process. Resolves after the last byte is written. */
export async function serveCgi(relay: Relay, opts: ServeCgiOptions): Promise<void> {
  const out = opts.stdoutFd ?? 1;
  const enc = new TextEncoder();
  const body = readCgiBody(opts.env, opts.maxBodyBytes, opts.stdinFd ?? 0);
  let res: RelayResponse;
  let headWritten = false;
  if (body === 'too-large') {
    res = errorResponse(new TincanError('body-too-large', `Request bodies may hold at most ${opts.maxBodyBytes} bytes.`));
  } else if (body === 'truncated') {
    res = errorResponse(new TincanError('bad-request', 'The request body ended before CONTENT_LENGTH bytes arrived.'));
  } else {
    const req = requestFromCgi(opts.env, body);
    const longPoll = isLongPoll(req);
    let alive = true;
    const hooks: HandleHooks = {
      heartbeat: () => {
        if (!headWritten) {
          headWritten = true;
          alive = writeAll(out, enc.encode(cgiHead(200, LONG_POLL_HEADERS)));
        }
        // Leading whitespace is valid before JSON; the write also tells us whether the client left.
        return (alive = alive && writeAll(out, enc.encode(' ')));
      },
    };
    res = await relay.handle(req, longPoll ? hooks : {});
    if (longPoll && res.status === 200 && !headWritten) {
      res = { ...res, headers: { ...res.headers, ...LONG_POLL_HEADERS } };
    }
    if (!alive) return;
  }
  if (headWritten) {
    writeAll(out, res.body);
    return;
  }
  // With its length given, the client has the whole answer when the bytes arrive, not when this
  // process has exited and the web server has seen the end of its output.
  const head = enc.encode(cgiHead(res.status, { ...res.headers, 'content-length': String(res.body.length) }));
  const whole = new Uint8Array(head.length + res.body.length);
  whole.set(head);
  whole.set(res.body, head.length);
  writeAll(out, whole);
}

/**
 * WebSocket push for the standalone relay (SPEC 3) on the `ws` library: `GET /v1/ws` upgrades;
 * each `subscribe` frame (signed like a request) becomes a core subscription whose envelopes are
 * sent as they are stored. Frames are untrusted JSON, parsed with WsClientFrameSchema; a bad frame
 * gets an `error` frame, never a crash. Messages over 4 KiB close the socket.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import * as z from 'zod/mini';
import { WebSocketServer, type WebSocket } from 'ws';
import { TincanError } from '../../protocol/errors.ts';
import { WsClientFrameSchema, type WsServerFrame } from '../../protocol/wire.ts';
import type { Relay } from '../core/relay.ts';

export interface WsPush {
  close(): Promise<void>;
}

export interface WsOptions {
  /**
   * The store's group commit (SqliteStore.settled): frames wait until what they report is durable.
   * A connection whose frames reported a change that was then rolled back is closed; the client
   * subscribes again from its cursor.
   */
  settled?: () => Promise<void> | null;
  pathPrefix?: string;
}

export function attachWs(server: Server, relay: Relay, opts: WsOptions = {}): WsPush {
  // The last frame serialized (see send): frames are immutable once handed over.
  let lastFrame: WsServerFrame | null = null;
  let lastText = '';
  const pathPrefix = opts.pathPrefix ?? '/v1/ws';
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== pathPrefix) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, socket));
  };
  server.on('upgrade', onUpgrade);

  function serve(ws: WebSocket, socket: Duplex): void {
    const subs = new Map<string, () => void>();
    // Frames held until the group commit they depend on settles, in order.
    let held: string[] | null = null;
    const release = (): void => {
      // Frames added meanwhile may report a newer group: wait for that one too.
      const next = opts.settled?.();
      if (next) return void next.then(release, () => ws.terminate());
      const frames = held ?? [];
      held = null;
      if (ws.readyState !== ws.OPEN) return;
      // Frames released together leave in one write.
      socket.cork();
      for (const text of frames) ws.send(text);
      socket.uncork();
    };
    const send = (f: WsServerFrame) => {
      if (ws.readyState !== ws.OPEN) return;
      // The core hands every subscriber of an envelope the same frame object: serialize it once.
      if (f !== lastFrame) {
        lastFrame = f;
        lastText = JSON.stringify(f);
      }
      const text = lastText;
      if (held) {
        held.push(text);
        return;
      }
      const committed = opts.settled?.();
      if (!committed) return ws.send(text);
      held = [text];
      committed.then(release, () => ws.terminate());
    };
    ws.on('message', (data, isBinary) => {
      let frame;
      try {
        if (isBinary) throw new TincanError('bad-request', 'Frames are JSON text.');
        const r = z.safeParse(WsClientFrameSchema, JSON.parse(String(data)));
        if (!r.success) throw new TincanError('bad-request', 'This frame does not match the protocol (SPEC 3).');
        frame = r.data;
        if (frame.type === 'ping') return send({ type: 'pong' });
        const old = subs.get(frame.channel);
        if (frame.type === 'unsubscribe') {
          old?.();
          subs.delete(frame.channel);
          return;
        }
        if (!old && subs.size >= 64) throw new TincanError('rate-limited', 'At most 64 subscriptions per connection.');
        // A failed re-subscription keeps the old one; a successful one replaces it.
        const off = relay.subscribe(frame, send);
        old?.();
        subs.set(frame.channel, off);
      } catch (e) {
        const err = e instanceof TincanError ? e : e instanceof SyntaxError ? new TincanError('bad-request', 'Frames are JSON text.') : null;
        if (!err) relay.logUnexpected(e, 'ws');
        const channel = frame && frame.type !== 'ping' ? frame.channel : undefined;
        send({ type: 'error', ...(channel ? { channel } : {}), error: (err ?? new TincanError('internal', 'The relay failed unexpectedly.')).toJSON().error });
      }
    });
    ws.on('close', () => {
      for (const off of subs.values()) off();
      subs.clear();
    });
    ws.on('error', () => ws.terminate());
  }

  return {
    close: () =>
      new Promise((resolve) => {
        server.off('upgrade', onUpgrade);
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

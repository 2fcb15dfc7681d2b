/**
 * Opens a home's state for one command: the folder (0700), the lock, the SQLite store, the HTTP
 * port and, for live commands, the WebSocket factory. Loaded lazily by the commands that need it,
 * so `tincan --help` loads none of this.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createClient } from '../protocol/client/client.ts';
import type { WebSocketFactory, WebSocketLike } from '../protocol/client/ports.ts';
import type { CliSession } from './context.ts';
import { HomeLock } from './home-lock.ts';
import { createNodeHttp } from './node-http.ts';
import { createSqliteStore } from './sqlite-store.ts';

export async function openSession(home: string, o: { lock?: 'command' | 'operation'; live?: boolean } = {}): Promise<CliSession> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const lock = new HomeLock(path.join(home, 'lock.db'));
  const perCommand = (o.lock ?? 'command') === 'command';
  if (perCommand) lock.acquire();
  const store = createSqliteStore({ file: path.join(home, 'state.db') });
  const http = createNodeHttp();
  const webSocket = o.live ? await wsFactory() : undefined;
  const client = createClient({
    store,
    http,
    exclusive: (fn) => lock.run(fn),
    ...(webSocket ? { webSocket } : {}),
  });
  return {
    client,
    async close() {
      await store.close();
      http.close();
      lock.close();
    },
  };
}

async function wsFactory(): Promise<WebSocketFactory> {
  const { default: WebSocket } = await import('ws');
  return (url: string): WebSocketLike => {
    const ws = new WebSocket(url, { handshakeTimeout: 5000 });
    const like: WebSocketLike = {
      send: (text) => ws.send(text),
      close: () => ws.close(),
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
    };
    ws.on('open', () => like.onopen?.());
    ws.on('message', (data) => like.onmessage?.(data.toString()));
    ws.on('close', () => like.onclose?.());
    ws.on('error', (err) => like.onerror?.(err));
    return like;
  };
}

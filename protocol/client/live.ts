/**
 * Live mode (chat, watch, the web client's open tab): waits for new envelopes on every location
 * of the chosen conversations — a WebSocket subscription where the relay offers `ws` and the host
 * gave a WebSocket factory, a long poll otherwise — and syncs a conversation when something
 * arrives. Waiting touches no state: only the sync does, inside the engine's lock, so other
 * processes keep working meanwhile. Failing locations are retried with exponential backoff.
 */
import { answers } from '../wire.ts';
import { type Engine, locationKey, memberKeys } from './engine.ts';
import { markReachable } from './locations.ts';
import type { WebSocketLike } from './ports.ts';
import type { ConversationRecord } from './store.ts';
import { type ConversationReport, syncConversation } from './receive.ts';

export interface LiveOptions {
  /** Conversations to follow (ids); all when omitted (new ones are picked up). */
  conversationIds?: string[];
  /** Called after every sync that ran (also when nothing new arrived). */
  onReport(report: ConversationReport): void;
  onError?(err: unknown): void;
  /** Long-poll wait in seconds (default 25; the relay caps it). */
  waitSeconds?: number;
  /** How often the conversations are looked at again (new ones, new locations, queued copies); default 10. */
  rescanSeconds?: number;
}

export interface LiveHandle {
  /** Syncs a conversation now (e.g. after sending). */
  poke(conversationId: string): void;
  /**
   * Looks at the conversations now instead of at the next round (every 10 s): follows a new one (an
   * invite just made, a join) or a location just added (a move) at once, without restarting live
   * mode (which would drop every wait in flight and catch up every conversation first).
   */
  refresh(): void;
  stop(): void;
  /** Resolves once stopped. */
  done: Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => (clearTimeout(t), resolve());
    // Remove the listener when the timer fires, or every sleep of a long session leaks one.
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

export function startLive(engine: Engine, o: LiveOptions): LiveHandle {
  const ctrl = new AbortController();
  const signal = ctrl.signal;
  const watchers = new Map<string, Promise<void>>();
  const running = new Map<string, Promise<void>>();
  const dirty = new Set<string>();
  const wsCapable = new Map<string, boolean>();

  const sync = (id: string): Promise<void> => {
    if (running.has(id)) {
      dirty.add(id);
      return running.get(id)!;
    }
    const p = (async () => {
      do {
        dirty.delete(id);
        if (signal.aborted) return;
        try {
          // Queued: live mode never runs inside an operation, so a call now overlaps one (engine.run).
          const report = await engine.run(() => syncConversation(engine, id, false), { queue: true });
          o.onReport(report);
          // A sync may add locations (a peer's offer, a move): follow them now, not at the next round.
          const c = await engine.store.getConversation(id);
          if (c && !signal.aborted) watch(c);
        } catch (err) {
          o.onError?.(err);
        }
      } while (dirty.has(id));
    })().finally(() => running.delete(id));
    running.set(id, p);
    return p;
  };

  const targets = async () => {
    const all = await engine.store.listConversations();
    return o.conversationIds ? all.filter((c) => o.conversationIds!.includes(c.id)) : all;
  };

  const pollLoop = async (convId: string, key: string) => {
    let failures = 0;
    while (!signal.aborted) {
      const conv = await engine.store.getConversation(convId);
      const loc = conv?.locations.find((l) => locationKey(l) === key);
      if (!loc) return; // removed
      try {
        const relay = engine.relay(loc.relayUrl);
        let useWs = wsCapable.get(loc.relayUrl);
        if (useWs === undefined && engine.deps.webSocket) {
          useWs = (await relay.info(5000)).transports.includes('ws');
          wsCapable.set(loc.relayUrl, useWs);
        }
        if (useWs && engine.deps.webSocket) {
          await wsSession(convId, key, loc.relayUrl, loc.channelId, memberKeys(loc), loc.cursor);
          failures = 0;
          await sleep(1000, signal); // the socket closed: reconnect soon
          continue;
        }
        const res = await relay.fetch(memberKeys(loc), loc.channelId, { after: loc.cursor, limit: 1, wait: o.waitSeconds ?? 25, signal });
        failures = 0;
        const recovered = !loc.health.ok && (await markReachable(engine, convId, key));
        if (res.envelopes.length > 0 || recovered) await sync(convId);
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        o.onError?.(err);
        await sleep(Math.min(60_000, 1000 * 2 ** Math.min(failures, 6)), signal);
      }
    }
  };

  const wsSession = (convId: string, key: string, relayUrl: string, channel: string, keys: { publicKey: Uint8Array; secretKey: Uint8Array }, after: number) =>
    new Promise<void>((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = engine.deps.webSocket!(engine.relay(relayUrl).wsUrl());
      } catch (err) {
        return reject(err);
      }
      let opened = false;
      const onAbort = () => ws.close();
      signal.addEventListener('abort', onAbort, { once: true });
      const ping = setInterval(() => {
        try {
          ws.send(JSON.stringify({ type: 'ping' }));
        } catch {
          /* closing */
        }
      }, 30_000);
      const finish = (err?: unknown) => {
        clearInterval(ping);
        signal.removeEventListener('abort', onAbort);
        if (err && !opened) reject(err);
        else resolve();
      };
      ws.onopen = () => {
        opened = true;
        engine.relay(relayUrl).subscribeFrame(keys, channel, after).then(
          (frame) => ws.send(JSON.stringify(frame)),
          (err) => (o.onError?.(err), ws.close()),
        );
      };
      ws.onmessage = (text) => {
        let frame;
        try {
          frame = answers.wsServerFrame().parse(JSON.parse(text));
        } catch {
          return; // not protocol: ignore
        }
        if (frame.type === 'envelopes' && frame.envelopes.length > 0) void sync(convId);
        else if (frame.type === 'subscribed') void markReachable(engine, convId, key).then(
            (changed) => void (changed && sync(convId)),
            (err: unknown) => o.onError?.(err),
          );
        else if (frame.type === 'error') {
          o.onError?.(new Error(`${relayUrl}: ${frame.error.message}`));
          ws.close();
        }
      };
      ws.onerror = (err) => finish(err);
      ws.onclose = () => finish();
    });

  /** Starts a watcher for every location of `c` that has none yet. */
  const watch = (c: ConversationRecord) => {
    for (const loc of c.locations) {
      const key = `${c.id} ${locationKey(loc)}`;
      if (watchers.has(key)) continue;
      watchers.set(key, pollLoop(c.id, locationKey(loc)).finally(() => watchers.delete(key)));
    }
  };

  // refresh() cuts the supervisor's pause short; a refresh during a round makes it go round again.
  let again = false;
  let wake: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (again || signal.aborted) return resolve();
      const end = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', end);
        wake = null;
        resolve();
      };
      const t = setTimeout(end, ms);
      signal.addEventListener('abort', end, { once: true });
      wake = end;
    });

  const supervise = async () => {
    // First catch up everything, then follow.
    for (const c of await targets()) await sync(c.id);
    while (!signal.aborted) {
      again = false;
      for (const c of await targets()) {
        watch(c);
        // Queued copies are retried here (the sync flushes the outbox, honouring backoff).
        if ((await engine.store.listOutbox(c.id)).length > 0) void sync(c.id);
      }
      await pause((o.rescanSeconds ?? 10) * 1000);
    }
  };

  const done = supervise()
    .catch((err) => o.onError?.(err))
    .then(async () => {
      await Promise.allSettled([...watchers.values(), ...running.values()]);
    });
  return {
    poke: (id) => void sync(id),
    refresh: () => {
      again = true;
      wake?.();
    },
    stop: () => ctrl.abort(),
    done,
  };
}

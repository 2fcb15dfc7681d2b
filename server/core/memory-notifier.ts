/**
 * In-process Notifier for the standalone relay: a post wakes the long polls and WebSocket
 * subscriptions of its channel at once. (Under CGI each request is its own process, so the CGI
 * entry uses `createPollingNotifier`, which only sleeps between store polls.)
 */
import { toBase64Url } from '../../protocol/encoding.ts';
import type { ChannelId, Clock, Notifier, StoredEnvelope } from './ports.ts';

export function createMemoryNotifier(): Notifier {
  const waiters = new Map<string, Set<() => void>>();
  const listeners = new Map<string, Set<(e: StoredEnvelope) => void>>();
  return {
    published(channel, envelope) {
      const k = toBase64Url(channel);
      const w = waiters.get(k);
      if (w) {
        waiters.delete(k);
        for (const wake of w) wake();
      }
      for (const l of listeners.get(k) ?? []) l(envelope);
    },
    wait(channel, untilMs) {
      const k = toBase64Url(channel);
      return new Promise<void>((resolve) => {
        let set = waiters.get(k);
        if (!set) waiters.set(k, (set = new Set()));
        const done = () => {
          clearTimeout(timer);
          set!.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, untilMs - Date.now()));
        set.add(done);
      });
    },
    wakeAll() {
      const all = [...waiters.values()];
      waiters.clear();
      for (const set of all) for (const wake of set) wake();
    },
    subscribe(channel, listener) {
      const k = toBase64Url(channel);
      let set = listeners.get(k);
      if (!set) listeners.set(k, (set = new Set()));
      set.add(listener);
      return () => {
        set!.delete(listener);
        if (set!.size === 0) listeners.delete(k);
      };
    },
  };
}

/** Notifier for one-request processes (CGI): waiting means sleeping a short interval, then re-polling the store. */
export function createPollingNotifier(clock: Clock, intervalMs = 250): Notifier {
  return {
    published() {},
    wait(_channel: ChannelId, untilMs: number) {
      return clock.sleep(Math.max(0, Math.min(intervalMs, untilMs - clock.now())));
    },
    subscribe() {
      return () => {};
    },
    wakeAll() {},
  };
}

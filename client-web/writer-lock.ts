/**
 * One writer per device. Two tabs that both advanced the same ratchet would fork it (the peer
 * could decrypt only one branch), so exactly one tab at a time runs the engine. The Web Locks API
 * gives an exclusive lock per origin that the browser releases when the holding tab closes or
 * crashes. A second tab learns the lock is held and offers to take over ("steal"), which aborts
 * the first tab's hold: that tab stops its engine and says so.
 */

const LOCK_NAME = 'tincan-writer';

/** A held writer lock. */
export interface WriterLock {
  /** Resolves when another tab took the lock over (this tab must stop writing). */
  readonly lost: Promise<void>;
  release(): void;
}

/**
 * Takes the lock if it is free (or, with `steal`, from whichever tab holds it). Returns null when
 * another tab holds it and `steal` is false.
 */
export async function acquireWriterLock(opts: { steal?: boolean } = {}): Promise<WriterLock | null> {
  const locks = navigator.locks;
  if (!locks) return fallbackLock();
  let release!: () => void;
  let signalLost!: () => void;
  const lost = new Promise<void>((r) => (signalLost = r));
  const held = new Promise<boolean>((resolveHeld) => {
    const options: LockOptions = opts.steal ? { mode: 'exclusive', steal: true } : { mode: 'exclusive', ifAvailable: true };
    locks
      .request(LOCK_NAME, options, (lock) => {
        if (!lock) {
          resolveHeld(false);
          return undefined;
        }
        resolveHeld(true);
        // Hold the lock until released here (or until the tab goes away).
        return new Promise<void>((r) => (release = r));
      })
      // A steal by another tab rejects our request's promise with an AbortError.
      .catch(() => signalLost());
  });
  if (!(await held)) return null;
  return { lost, release: () => release() };
}

/** Browsers without Web Locks (very old ones): fall back to a BroadcastChannel handshake. */
function fallbackLock(): WriterLock {
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(LOCK_NAME) : null;
  let signalLost!: () => void;
  const lost = new Promise<void>((r) => (signalLost = r));
  const me = Math.random().toString(36).slice(2);
  channel?.postMessage({ type: 'took', by: me });
  if (channel) channel.onmessage = (e: MessageEvent) => e.data?.type === 'took' && e.data.by !== me && signalLost();
  return { lost, release: () => channel?.close() };
}

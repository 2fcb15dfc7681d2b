/**
 * A Store that opens its database on first use, so CGI requests that need none (OPTIONS, 404s,
 * oversize bodies) never load the SQLite driver or touch the disk.
 */
import type { Store } from './core/ports.ts';

export function lazyStore(open: () => Store): Store & { opened(): boolean } {
  let inner: Store | null = null;
  const target = {
    opened: () => inner !== null,
    close: () => {
      inner?.close();
      inner = null;
    },
  } as unknown as Store & { opened(): boolean };
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (prop === 'opened' || prop === 'close') return Reflect.get(t, prop, receiver);
      return (...args: unknown[]) => {
        inner ??= open();
        return (inner[prop as keyof Store] as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
}

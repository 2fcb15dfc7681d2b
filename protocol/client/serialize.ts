/**
 * JSON with bytes: Uint8Array values become {"$b": "<base64url>"}. Used by stores that keep
 * records as text (SQLite) and by export files. Parsing is only ever done on our own output or
 * on a decrypted export, both authenticated; shapes are still checked by their users.
 */
import { fromBase64Url, toBase64Url } from '../encoding.ts';

/** Record (with Uint8Array fields) → JSON text. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    return v instanceof Uint8Array ? { $b: toBase64Url(v) } : v;
  });
}

/** JSON text from toJson → record with Uint8Array fields restored. */
export function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const b = o['$b'];
      if (typeof b === 'string' && Object.keys(o).length === 1) {
        const bytes = fromBase64Url(b);
        if (!bytes) throw new RangeError('bad bytes in stored JSON');
        return bytes;
      }
    }
    return v;
  }) as T;
}

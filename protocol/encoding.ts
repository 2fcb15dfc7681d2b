/**
 * Byte encodings shared by relays and clients. Runs in Node and browsers (no Buffer).
 * - base64url without padding: how bytes travel inside JSON.
 * - a canonical, length-prefixed binary encoding: the only form that is ever signed, MACed or
 *   used as associated data (never JSON, whose key order and spacing are not canonical).
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
// ASCII in, ASCII out: any UTF-8 decoder turns the code bytes into the string in one native step.
const asciiDecoder = new TextDecoder();

/**
 * Encodes bytes as base64url without padding. Writes character codes into one byte array and
 * decodes it once: no intermediate strings, which matters for the relay answering many envelopes
 * from a fresh CGI process (string concatenation there cost more in garbage collection than the
 * encoding itself).
 */
export function toBase64Url(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil((n * 4) / 3));
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = B64_CODES[(v >> 18) & 63]!;
    out[o++] = B64_CODES[(v >> 12) & 63]!;
    out[o++] = B64_CODES[(v >> 6) & 63]!;
    out[o++] = B64_CODES[v & 63]!;
  }
  const rest = n - i;
  if (rest === 1) {
    const v = bytes[i]! << 16;
    out[o++] = B64_CODES[(v >> 18) & 63]!;
    out[o++] = B64_CODES[(v >> 12) & 63]!;
  } else if (rest === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out[o++] = B64_CODES[(v >> 18) & 63]!;
    out[o++] = B64_CODES[(v >> 12) & 63]!;
    out[o++] = B64_CODES[(v >> 6) & 63]!;
  }
  return asciiDecoder.decode(out);
}

/** Decodes strict base64url without padding; returns null on any invalid character or length. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c]! : -1;
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // Non-canonical trailing bits would let two texts decode to the same bytes.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
  return out.subarray(0, o);
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Decodes UTF-8 strictly; returns null on invalid bytes. */
export function fromUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-shape byte comparison (not secret-timing-safe; use sodium.memcmp for secrets). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/**
 * Canonical binary writer: fixed field order, big-endian integers, every variable-length field
 * prefixed by its length (u32). Two equal values always encode to equal bytes.
 */
export class CanonicalWriter {
  private parts: Uint8Array[] = [];
  u8(n: number): this {
    this.parts.push(Uint8Array.of(n & 0xff));
    return this;
  }
  u16(n: number): this {
    this.parts.push(Uint8Array.of((n >>> 8) & 0xff, n & 0xff));
    return this;
  }
  u32(n: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n >>> 0);
    this.parts.push(b);
    return this;
  }
  /** An unsigned integer up to 2^53 - 1, as 8 bytes. */
  u64(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('u64 out of range');
    const b = new Uint8Array(8);
    const v = new DataView(b.buffer);
    v.setUint32(0, Math.floor(n / 2 ** 32));
    v.setUint32(4, n >>> 0);
    this.parts.push(b);
    return this;
  }
  /** Length-prefixed bytes. */
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    this.parts.push(b);
    return this;
  }
  /** Length-prefixed UTF-8 string. */
  string(s: string): this {
    return this.bytes(utf8(s));
  }
  /** Bytes of a fixed, known length, written without a prefix. */
  fixed(b: Uint8Array, length: number): this {
    if (b.length !== length) throw new RangeError(`expected ${length} bytes, got ${b.length}`);
    this.parts.push(b);
    return this;
  }
  finish(): Uint8Array {
    return concatBytes(...this.parts);
  }
}

/** Strict reader for CanonicalWriter output; every read throws RangeError past the end. */
export class CanonicalReader {
  private offset = 0;
  constructor(private readonly buf: Uint8Array) {}
  private take(n: number): Uint8Array {
    if (n < 0 || this.offset + n > this.buf.length) throw new RangeError('truncated input');
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u16(): number {
    const b = this.take(2);
    return (b[0]! << 8) | b[1]!;
  }
  u32(): number {
    const b = this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }
  u64(): number {
    const b = this.take(8);
    const v = new DataView(b.buffer, b.byteOffset, 8);
    const n = v.getUint32(0) * 2 ** 32 + v.getUint32(4);
    if (!Number.isSafeInteger(n)) throw new RangeError('u64 out of range');
    return n;
  }
  bytes(max = 1 << 24): Uint8Array {
    const n = this.u32();
    if (n > max) throw new RangeError('field too long');
    return this.take(n);
  }
  string(max = 1 << 24): string {
    const s = fromUtf8(this.bytes(max));
    if (s === null) throw new RangeError('invalid UTF-8');
    return s;
  }
  fixed(length: number): Uint8Array {
    return this.take(length);
  }
  get remaining(): number {
    return this.buf.length - this.offset;
  }
  /** Throws unless every byte was consumed (trailing bytes would make encodings non-canonical). */
  end(): void {
    if (this.offset !== this.buf.length) throw new RangeError('trailing bytes');
  }
}

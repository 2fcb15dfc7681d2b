/**
 * What Node gives every relay entry: the wall clock, JSON log lines, a native base64url encoder.
 * Kept apart from the crypto adapters so that importing it loads no crypto module (the CGI entry
 * picks its crypto lazily).
 */

/** Wall clock for the adapters. */
export const systemClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/** Log lines as JSON on stderr (CGI: the web server's error log). Callers never pass secrets. */
export function createStderrLog(write: (line: string) => void) {
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    write(`${JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields })}\n`);
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

/** base64url without padding through Buffer (native); the same text as protocol/encoding.ts's toBase64Url. */
export const encodeBase64Url = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

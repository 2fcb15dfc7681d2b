/**
 * Plain request and response objects of the relay core, and the helpers that build answers:
 * JSON bodies, the error shape `{error: {code, message}}`, CORS and cache headers (SPEC 2.9, 2.10).
 * No WHATWG Request/Response: loading them costs ~30 ms in a fresh Node process, which a CGI
 * request cannot afford.
 */
import { httpStatusOf, TincanError, type ErrorCode } from '../../protocol/errors.ts';
import { utf8 } from '../../protocol/encoding.ts';

/** A request as every adapter hands it to the core. */
export interface RelayRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Path from `/v1` on (the base path the relay is mounted under already stripped), no query. */
  path: string;
  /** Raw query string without `?` ('' when none), exactly as sent (it is signed). */
  query: string;
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>;
  body: Uint8Array;
  remoteAddr?: string;
}

/** The core's answer; adapters copy it out unchanged. */
export interface RelayResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Headers on every API answer. */
export const BASE_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'cache-control': 'no-store',
};

/** Headers of a CORS preflight answer. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  ...BASE_HEADERS,
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'Content-Type, X-Tincan-Auth',
  'access-control-max-age': '86400',
};

export function jsonResponse(status: number, value: unknown, extra?: Record<string, string>): RelayResponse {
  return {
    status,
    headers: { ...BASE_HEADERS, 'content-type': 'application/json; charset=utf-8', ...extra },
    body: utf8(JSON.stringify(value)),
  };
}

export function errorResponse(err: TincanError): RelayResponse {
  const extra: Record<string, string> = {};
  const retryAfter = err.details?.['retryAfterSeconds'];
  if (typeof retryAfter === 'number') extra['retry-after'] = String(retryAfter);
  if (err.code === 'method-not-allowed' && typeof err.details?.['allow'] === 'string') extra['allow'] = err.details['allow'];
  return jsonResponse(httpStatusOf(err.code), err.toJSON(), extra);
}

/** Shorthand for an expected failure. */
export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new TincanError(code, message, details);
}

/** HTTP reason phrases for the statuses the relay uses (the CGI `Status:` line needs one). */
export const REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 413: 'Payload Too Large',
  429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

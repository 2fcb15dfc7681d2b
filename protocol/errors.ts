/**
 * The one list of error codes every part of Tincan uses: the relay answers them as
 * `{error: {code, message}}` with the HTTP status below, clients map them to exit codes and
 * messages for people. Codes are stable wire values; messages are for humans and may change.
 */

/** Every error code, with its HTTP status (relay answers) and CLI exit code. */
export const ERRORS = {
  // request shape
  'bad-request': { status: 400, exit: 2 },
  'not-found': { status: 404, exit: 6 },
  'method-not-allowed': { status: 405, exit: 2 },
  'body-too-large': { status: 413, exit: 2 },
  'envelope-too-large': { status: 413, exit: 2 },
  'unsupported-version': { status: 400, exit: 2 },
  // authentication
  'auth-required': { status: 401, exit: 5 },
  'auth-invalid': { status: 401, exit: 5 },
  'auth-expired': { status: 401, exit: 5 },
  'replayed-request': { status: 401, exit: 5 },
  'not-owner': { status: 403, exit: 5 },
  'not-member': { status: 403, exit: 5 },
  // relay setup
  'already-claimed': { status: 409, exit: 5 },
  'setup-code-invalid': { status: 403, exit: 5 },
  // channels and invites
  'channel-not-found': { status: 404, exit: 6 },
  'channel-exists': { status: 409, exit: 1 },
  'channel-full': { status: 409, exit: 1 },
  'invite-invalid': { status: 403, exit: 4 },
  'invite-used': { status: 410, exit: 4 },
  'invite-expired': { status: 410, exit: 4 },
  'envelope-conflict': { status: 409, exit: 1 },
  // limits
  'rate-limited': { status: 429, exit: 3 },
  'quota-exceeded': { status: 409, exit: 1 },
  // client side (never sent by a relay)
  'relay-unreachable': { status: 503, exit: 3 },
  'relay-protocol': { status: 502, exit: 3 },
  'conversation-not-found': { status: 404, exit: 6 },
  'decrypt-failed': { status: 400, exit: 7 },
  'invite-malformed': { status: 400, exit: 4 },
  'verification-failed': { status: 400, exit: 7 },
  'home-locked': { status: 409, exit: 1 },
  'home-moved': { status: 409, exit: 1 },
  'not-initialized': { status: 400, exit: 2 },
  'passphrase-wrong': { status: 403, exit: 5 },
  // server faults (never expected)
  unavailable: { status: 503, exit: 3 },
  internal: { status: 500, exit: 1 },
} as const satisfies Record<string, { status: number; exit: number }>;

/** A stable, kebab-case error code. */
export type ErrorCode = keyof typeof ERRORS;

/** Whether `code` is a known error code (for decoding untrusted relay answers). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, code);
}

/** HTTP status a relay answers for `code`. */
export function httpStatusOf(code: ErrorCode): number {
  return ERRORS[code].status;
}

/** Exit code the CLI ends with for `code`. */
export function exitCodeOf(code: ErrorCode): number {
  return ERRORS[code].exit;
}

/** The one error class: a stable `code`, a message for people, optional details for machines. */
export class TincanError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'TincanError';
    this.code = code;
    this.details = details;
  }
  /** The wire form `{error: {code, message}}`. */
  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

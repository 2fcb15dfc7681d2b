/**
 * What every command gets from its host: output, input, the home folder, and lazily opened
 * engine state. `main.ts` builds it from the real process; tests build one in process. Commands
 * never touch `process` themselves.
 */
import type { Client } from '../protocol/client/client.ts';

/** A command's handle on this home's state (open for the command's duration). */
export interface CliSession {
  client: Client;
  close(): Promise<void>;
}

export interface CliContext {
  /** Writes text to stdout as is (add '\n' yourself). */
  out(text: string): void;
  /** Writes text to stderr as is. */
  err(text: string): void;
  /** The state folder ($TINCAN_HOME, default $XDG_DATA_HOME/tincan or ~/.local/share/tincan). */
  home: string;
  /** Working directory for relative paths. */
  cwd: string;
  env: Record<string, string | undefined>;
  /** Colour on stdout: only on a TTY, never with NO_COLOR. */
  color: boolean;
  stdinIsTTY: boolean;
  /** All of stdin as UTF-8 (for `tincan send CONV -`). */
  readStdin(): Promise<string>;
  /** Asks on the terminal without echo (passphrases); rejects when there is no TTY. */
  readSecret(prompt: string): Promise<string>;
  /** Asks a yes/no question on the terminal; false when there is no TTY. */
  confirm(question: string): Promise<boolean>;
  /** This identity's signing public key, or null before `tincan init` (cheap: no crypto loaded). */
  loadIdentityPublicKey(): Promise<Uint8Array | null>;
  /**
   * Opens this home's state. lock 'command' (default): holds the home's cross-process lock until
   * close (a second process waits). 'operation': takes it per engine operation (chat, watch).
   */
  openSession(o?: { lock?: 'command' | 'operation'; live?: boolean }): Promise<CliSession>;
  /** The folder holding dist/ (the built relay and web client). */
  packageRoot: string;
  /** Resolves with the signal name on SIGINT or SIGTERM. */
  waitForSignal(): Promise<string>;
  /** Terminal streams, for the interactive chat. */
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  /** Shows a desktop notification if possible (best effort, never throws). */
  notify(title: string, body: string): void;
}

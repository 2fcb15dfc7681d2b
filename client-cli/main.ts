/**
 * The process adapter of the `tincan` command: the only CLI file that touches `process`. It builds
 * the context (streams, environment, home folder, signals) and runs the program.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TincanError } from '../protocol/errors.ts';
import type { CliContext } from './context.ts';
import { runCli } from './program.ts';

function homeFolder(env: NodeJS.ProcessEnv): string {
  if (env['TINCAN_HOME']) return path.resolve(env['TINCAN_HOME']);
  const data = env['XDG_DATA_HOME'] || path.join(os.homedir(), '.local', 'share');
  return path.join(data, 'tincan');
}

/** The Tincan folder: the nearest package.json named "tincan" (dist/cli has one that only says "commonjs"). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      if ((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'tincan') return dir;
    } catch {
      /* none here (or unreadable): keep looking */
    }
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/** Reads a line from the terminal without echo (raw mode; Enter ends it, Ctrl-C cancels). */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    let value = '';
    const finish = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(null);
        if (ch === '\u0003') return finish(new TincanError('bad-request', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function ask(question: string): Promise<string> {
  return import('node:readline').then(
    ({ createInterface }) =>
      new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
        rl.question(question, (answer) => {
          rl.close();
          resolve(answer);
        });
        rl.on('SIGINT', () => {
          rl.close();
          reject(new TincanError('bad-request', 'cancelled'));
        });
      }),
  );
}

const env = process.env;
const ctx: CliContext = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  home: homeFolder(env),
  cwd: process.cwd(),
  env,
  color: Boolean(process.stdout.isTTY) && env['NO_COLOR'] === undefined && env['TERM'] !== 'dumb',
  // process.stdin is made on first use (a stream over a pipe, file or terminal: ~2 ms that `send`
  // with its text as arguments does not need), so only when asked.
  get stdinIsTTY() {
    return Boolean(process.stdin.isTTY);
  },
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  async readSecret(prompt) {
    if (!process.stdin.isTTY) throw new TincanError('bad-request', 'no terminal to ask for the passphrase: set TINCAN_PASSPHRASE or pass --passphrase-file FILE');
    return askHidden(prompt);
  },
  async confirm(question) {
    if (!process.stdin.isTTY) return false;
    return /^y(es)?$/i.test((await ask(`${question} [y/N] `)).trim());
  },
  async loadIdentityPublicKey() {
    const file = path.join(homeFolder(env), 'state.db');
    if (!existsSync(file)) return null;
    const { createSqliteStore } = await import('./sqlite-store.ts');
    const store = createSqliteStore({ file, readonly: true });
    try {
      return (await store.getIdentity())?.signPublic ?? null;
    } catch {
      return null; // a fresh file without tables yet
    } finally {
      await store.close();
    }
  },
  async openSession(o) {
    const { openSession } = await import('./open-session.ts');
    return openSession(homeFolder(env), o);
  },
  // Only the relay commands need it: not looked up on every start.
  get packageRoot() {
    return packageRoot();
  },
  waitForSignal: () =>
    new Promise((resolve) => {
      const on = (sig: string) => () => resolve(sig);
      process.once('SIGINT', on('SIGINT'));
      process.once('SIGTERM', on('SIGTERM'));
    }),
  get stdin() {
    return process.stdin;
  },
  get stdout() {
    return process.stdout;
  },
  notify(title, body) {
    void import('node:child_process').then(({ spawn }) => {
      try {
        const child = spawn('notify-send', ['--app-name=tincan', title, body], { stdio: 'ignore', detached: true });
        child.on('error', () => {});
        child.unref();
      } catch {
        /* no notifier: fine */
      }
    });
  },
};

// No top-level await: the build makes one CommonJS bundle of the CLI (see client-cli/launch.cjs).
void runCli(process.argv.slice(2), ctx).then((code) => {
  // For bench/cli.bench.ts: this process's CPU time, which machine load does not inflate.
  if (env['TINCAN_BENCH_CPU']) process.stderr.write(`\ntincan-cpu-us ${JSON.stringify(process.cpuUsage())}\n`);
  process.exit(code);
});

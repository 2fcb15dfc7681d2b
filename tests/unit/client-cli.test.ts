// The CLI program in process (commander + real SQLite home in a temp folder, no relay): every
// command has --help, errors carry their stable exit codes and say what to do, --json is JSON,
// colour only when the context allows it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../client-cli/context.ts';
import { openSession } from '../../client-cli/open-session.ts';
import { runCli } from '../../client-cli/program.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function context(o: { color?: boolean; home?: string } = {}) {
  const home = o.home ?? mkdtempSync(path.join(tmpdir(), 'tincan-cli-'));
  dirs.push(home);
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    home,
    cwd: home,
    env: {},
    color: o.color ?? false,
    stdinIsTTY: false,
    readStdin: async () => '',
    readSecret: async () => {
      throw new Error('no tty');
    },
    confirm: async () => false,
    loadIdentityPublicKey: async () => null,
    openSession: (s) => openSession(home, s),
    packageRoot: path.resolve(import.meta.dirname, '..', '..'),
    waitForSignal: () => new Promise(() => {}),
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    notify: () => {},
  };
  return { ctx, out: () => out.join(''), err: () => err.join(''), home };
}

const commands = ['init', 'whoami', 'invite', 'join', 'list', 'send', 'read', 'sync', 'chat', 'watch', 'verify', 'rename', 'forget', 'export', 'import', 'relay', 'relay serve', 'relay use'];

describe('tincan program', () => {
  it.each(commands)('%s --help', async (cmd) => {
    const c = context();
    expect(await runCli([...cmd.split(' '), '--help'], c.ctx)).toBe(0);
    expect(c.out()).toContain(`Usage: tincan ${cmd}`);
  });

  it('lists every command in the top-level help', async () => {
    const c = context();
    expect(await runCli(['--help'], c.ctx)).toBe(0);
    for (const cmd of commands.filter((x) => !x.includes(' '))) expect(c.out()).toContain(`  ${cmd}`);
  });

  it('says what to do before init, with exit code 2', async () => {
    const c = context();
    expect(await runCli(['whoami'], c.ctx)).toBe(2);
    expect(c.err()).toContain('tincan init --name');
    const s = context();
    expect(await runCli(['send', 'bob', 'hi'], s.ctx)).toBe(2);
    expect(s.err()).toContain('tincan init');
  });

  it('init, whoami --json, an empty phonebook, unknown conversations (exit 6)', async () => {
    const c = context();
    expect(await runCli(['init', '--name', 'alice'], c.ctx)).toBe(0);
    expect(c.out()).toContain('Fingerprint');
    const w = context({ home: c.home });
    expect(await runCli(['whoami', '--json'], w.ctx)).toBe(0);
    expect(JSON.parse(w.out())).toMatchObject({ name: 'alice', relay: null, home: c.home });
    const again = context({ home: c.home });
    expect(await runCli(['init', '--name', 'x'], again.ctx)).toBe(2);
    expect(again.err()).toContain('already has an identity');
    const l = context({ home: c.home });
    expect(await runCli(['list', '--json'], l.ctx)).toBe(0);
    expect(JSON.parse(l.out())).toEqual([]);
    const r = context({ home: c.home });
    expect(await runCli(['read', 'nobody', '--no-sync'], r.ctx)).toBe(6);
    expect(r.err()).toContain('tincan list');
    const i = context({ home: c.home });
    expect(await runCli(['invite'], i.ctx)).toBe(2);
    expect(i.err()).toContain('tincan relay use');
  });

  it('refuses a relay that does not answer, with exit code 3', async () => {
    const c = context();
    await runCli(['init', '--name', 'alice'], c.ctx);
    const u = context({ home: c.home });
    expect(await runCli(['relay', 'use', 'http://127.0.0.1:9'], u.ctx)).toBe(3);
    expect(u.err()).toContain('cannot reach the relay');
  });

  it('usage errors exit 2; bad options explain themselves', async () => {
    const c = context();
    expect(await runCli(['send'], c.ctx)).toBe(2);
    expect(c.err()).toContain("missing required argument 'conversation'");
    const d = context();
    await runCli(['init', '--name', 'a'], d.ctx);
    const e = context({ home: d.home });
    expect(await runCli(['invite', '--expires', 'soon'], e.ctx)).toBe(2);
    expect(e.err()).toContain('30m, 12h or 7d');
  });

  it('uses colour only when allowed', async () => {
    const plain = context();
    await runCli(['init', '--name', 'alice'], plain.ctx);
    expect(plain.out()).not.toContain('\x1b[');
    const coloured = context({ color: true });
    await runCli(['init', '--name', 'alice'], coloured.ctx);
    expect(coloured.out()).toContain('\x1b[1m');
  });
});

// buildProgram defines only the command a fresh process runs (startup speed): every command must
// still be found, with its subcommands, when it is the one named, and help must list them all.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliContext } from './context.ts';
import { buildProgram, runCli } from './program.ts';

function context(): { ctx: CliContext; out: string[] } {
  const out: string[] = [];
  const ctx: CliContext = {
    out: (t) => void out.push(t),
    err: (t) => void out.push(t),
    home: '/nonexistent/tincan-home',
    cwd: '/',
    env: {},
    color: false,
    stdinIsTTY: false,
    readStdin: async () => '',
    readSecret: async () => '',
    confirm: async () => false,
    loadIdentityPublicKey: async () => null,
    openSession: () => Promise.reject(new Error('no session in this test')),
    packageRoot: '/',
    waitForSignal: () => new Promise(() => {}),
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    notify: () => {},
  };
  return { ctx, out };
}

const shape = (c: { name(): string; commands: readonly { name(): string }[] }) => `${c.name()}(${c.commands.map((s) => s.name()).join(',')})`;

describe('tincan program', () => {
  it('defines each command the same way when only that command is named as when all are', async () => {
    const all = await buildProgram(context().ctx, []);
    const names = all.commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['init', 'whoami', 'send', 'list', 'read', 'sync', 'relay', 'export', 'import']));
    for (const name of names) {
      const one = await buildProgram(context().ctx, [name, '--help']);
      const found = one.commands.find((c) => c.name() === name);
      expect(found, name).toBeDefined();
      // relay's bundle/check subcommands are loaded only when the relay group runs, as before.
      const full = name === 'relay' ? await buildProgram(context().ctx, ['relay']) : all;
      expect(shape(found!)).toBe(shape(full.commands.find((c) => c.name() === name)!));
      expect(found!.options.map((o) => o.flags)).toEqual(full.commands.find((c) => c.name() === name)!.options.map((o) => o.flags));
    }
  });

  it('lists every command in help and still suggests one for a typo', async () => {
    const help = context();
    expect(await runCli(['--help'], help.ctx)).toBe(0);
    for (const name of ['init', 'send', 'list', 'relay', 'export', 'import', 'move']) expect(help.out.join('')).toContain(`${name} `);
    const typo = context();
    expect(await runCli(['sned', 'bob', 'hi'], typo.ctx)).toBe(2);
    expect(typo.out.join('')).toContain('Did you mean send?');
  });
});

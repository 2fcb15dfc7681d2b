/**
 * The `tincan` program, built from an injected context (testable in process). One file per
 * command under commands/; each loads what it needs (engine, SQLite, QR codes, WebSockets) only
 * when it runs. Errors end as one line saying what happened and what to do, and the stable exit
 * code of their TincanError code (protocol/errors.ts).
 */
import { Command, CommanderError } from 'commander';
import { TincanError, exitCodeOf } from '../protocol/errors.ts';
import type { CliContext } from './context.ts';
import { registerChat } from './commands/chat.ts';
import { registerExport } from './commands/export.ts';
import { registerForget } from './commands/forget.ts';
import { registerInit } from './commands/init.ts';
import { registerInvite } from './commands/invite.ts';
import { registerJoin } from './commands/join.ts';
import { registerList } from './commands/list.ts';
import { registerLocate } from './commands/locate.ts';
import { registerMove } from './commands/move.ts';
import { registerRead } from './commands/read.ts';
import { registerRelay } from './commands/relay.ts';
import { registerRename } from './commands/rename.ts';
import { registerSend } from './commands/send.ts';
import { registerSync } from './commands/sync.ts';
import { registerVerify } from './commands/verify.ts';
import { registerWatch } from './commands/watch.ts';

export type { CliContext, CliSession } from './context.ts';

export const VERSION = '0.1.0';

type Register = (program: Command, ctx: CliContext, argv: string[]) => void | Promise<void>;
/** Each register function with the top-level commands it defines, in help order. */
const COMMANDS: [names: string[], register: Register][] = [
  [['init', 'whoami'], registerInit],
  [['relay'], registerRelay],
  [['invite'], registerInvite],
  [['join'], registerJoin],
  [['list'], registerList],
  [['send'], registerSend],
  [['read'], registerRead],
  [['sync'], registerSync],
  [['chat'], registerChat],
  [['watch'], registerWatch],
  [['verify'], registerVerify],
  [['rename'], registerRename],
  [['forget'], registerForget],
  [['locate'], registerLocate],
  [['move'], registerMove],
  [['export', 'import'], registerExport],
];

/** Builds the program. `argv` decides which commands (and optional command groups) get defined. */
export async function buildProgram(ctx: CliContext, argv: string[]): Promise<Command> {
  const program = new Command('tincan')
    .description('Tincan: end-to-end encrypted conversations on relays you run anywhere.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) })
    .exitOverride()
    .addHelpText(
      'after',
      `
State lives in ${ctx.home} (set TINCAN_HOME to use another folder).
Start:  tincan init --name alice && tincan relay serve   (then, in another terminal)
        tincan relay use http://127.0.0.1:8080 && tincan invite --name bob`,
    );
  // A fresh process runs one command: when argv names one, only its group is defined (commander
  // building all 20-odd definitions, options and help texts is ~1.5 ms of a `tincan send`). Help,
  // version, a typo (for suggestions) or a name missing here: all of them.
  const word = argv.find((a) => !a.startsWith('-'));
  const only = COMMANDS.find(([names]) => word !== undefined && names.includes(word));
  for (const [, register] of only ? [only] : COMMANDS) await register(program, ctx, argv);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) });
  return program;
}

/** Runs the CLI; resolves with the exit code. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  try {
    const program = await buildProgram(ctx, argv);
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(ctx, err);
  }
}

export function reportError(ctx: CliContext, err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version end with 0; usage errors were already printed by commander.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.exitCode === 0) return 0;
    return 2;
  }
  if (err instanceof TincanError) {
    ctx.err(`tincan: ${err.message}\n`);
    return exitCodeOf(err.code);
  }
  const message = err instanceof Error ? err.message : String(err);
  ctx.err(`tincan: unexpected error: ${message}\n(this is a bug; please report it with the command you ran)\n`);
  if (ctx.env['TINCAN_DEBUG'] && err instanceof Error && err.stack) ctx.err(`${err.stack}\n`);
  return exitCodeOf('internal');
}

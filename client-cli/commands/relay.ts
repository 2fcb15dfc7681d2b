/**
 * `tincan relay ...`: serve and use (here), bundle and check (deploy/, loaded only when the
 * relay group runs, since they pull in the bundling code).
 */
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerRelayServe } from './relay-serve.ts';
import { registerRelayUse } from './relay-use.ts';

export async function registerRelay(program: Command, ctx: CliContext, argv: string[]): Promise<void> {
  const relay = program
    .command('relay')
    .description('run a relay, choose yours, bundle one for shared hosting, check one')
    .addHelpText('after', '\nExamples:\n  tincan relay serve --port 8080\n  tincan relay use https://example.org/chat\n  tincan relay bundle --out site/\n  tincan relay check https://example.org/chat');
  registerRelayServe(relay, ctx);
  registerRelayUse(relay, ctx);
  // bundle and check pull in the bundling code: load them only when the relay group runs.
  const words = argv.filter((a) => !a.startsWith('-'));
  if (words[0] === 'relay' || (words[0] === 'help' && words[1] === 'relay')) {
    const [{ registerRelayBundle }, { registerRelayCheck }] = await Promise.all([import('./relay-bundle.ts'), import('./relay-check.ts')]);
    registerRelayBundle(relay, ctx);
    registerRelayCheck(relay, ctx);
  }
}

/** `tincan rename CONV NEW-NAME`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { withClient } from '../with-client.ts';

export function registerRename(program: Command, ctx: CliContext): void {
  program
    .command('rename')
    .description('rename a conversation in your phonebook (only you see the name)')
    .argument('<conversation>', "the conversation's name or id")
    .argument('<new-name>', 'the new name')
    .action(async (ref: string, name: string) => {
      const r = await withClient(ctx, (c) => c.rename(ref, name));
      ctx.out(`Renamed "${r.from}" to "${r.to}".\n`);
    });
}

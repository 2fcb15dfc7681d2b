/** `tincan forget CONV [--yes]`: leave every relay channel, then delete the local history. */
import type { Command } from 'commander';
import { TincanError } from '../../protocol/errors.ts';
import type { CliContext } from '../context.ts';
import { withClient } from '../with-client.ts';

export function registerForget(program: Command, ctx: CliContext): void {
  program
    .command('forget')
    .description('leave a conversation: tell its relays, then delete its keys and history here')
    .argument('<conversation>', "the conversation's name or id")
    .option('--yes', 'do not ask for confirmation')
    .action(async (ref: string, o: { yes?: boolean }) => {
      await withClient(ctx, async (c) => {
        const conv = await c.conversation(ref);
        if (!o.yes) {
          if (!ctx.stdinIsTTY) throw new TincanError('bad-request', `forgetting deletes "${conv.name}" and its history for good; add --yes to confirm`);
          if (!(await ctx.confirm(`Leave "${conv.name}" and delete its history here for good?`))) return ctx.out('Nothing changed.\n');
        }
        const r = await c.forget(conv.id);
        for (const e of r.errors) ctx.err(`warning: could not tell a relay (${e}); its channel expires on its own\n`);
        ctx.out(`Forgot "${r.name}".\n`);
      });
    });
}

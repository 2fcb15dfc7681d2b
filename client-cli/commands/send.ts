/** `tincan send CONV TEXT` (TEXT omitted or "-": read stdin). */
import type { Command } from 'commander';
import { TincanError } from '../../protocol/errors.ts';
import type { CliContext } from '../context.ts';
import { json, paint } from '../format.ts';
import { withClient } from '../with-client.ts';

export function registerSend(program: Command, ctx: CliContext): void {
  program
    .command('send')
    .description('send a message to every location of a conversation (queued if none is reachable)')
    .argument('<conversation>', "the conversation's name or id")
    .argument('[text...]', 'the message; omitted or "-": read it from stdin')
    .option('--json', 'print {"id", "status", "posted", "queued"}')
    .action(async (conv: string, words: string[], o: { json?: boolean }) => {
      let text = words.join(' ');
      if (words.length === 0 || text === '-') text = (await ctx.readStdin()).replace(/\r?\n$/, '');
      if (!text) throw new TincanError('bad-request', 'there is nothing to send; give the text as an argument or on stdin');
      const r = await withClient(ctx, (c) => c.send(conv, text));
      if (o.json) return json(ctx, { id: r.message.id, status: r.message.status, posted: r.posted, queued: r.queued });
      const total = r.posted + r.queued;
      if (r.posted === 0) {
        ctx.out(`${paint(ctx, 'yellow', 'Queued')}: no relay of this conversation is reachable right now; the message is saved here and goes out on the next send, sync or chat.\n`);
        for (const e of r.errors) ctx.err(`  ${e.message}\n`);
      } else if (r.queued > 0) {
        ctx.out(`Sent via ${r.posted} of ${total} relays; the other copy is queued and retried later.\n`);
      } else {
        ctx.out(`Sent${total > 1 ? ` (${total} relays)` : ''}.\n`);
      }
    });
}

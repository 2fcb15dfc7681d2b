/** `tincan read CONV [--json] [--limit N]`: sync, print the history, mark it read. */
import type { Command } from 'commander';
import { TincanError } from '../../protocol/errors.ts';
import type { CliContext } from '../context.ts';
import { json, paint, shortTime } from '../format.ts';
import { withClient } from '../with-client.ts';
import { printReports } from './sync.ts';

export function registerRead(program: Command, ctx: CliContext): void {
  program
    .command('read')
    .description("sync a conversation, print its history and mark it read")
    .argument('<conversation>', "the conversation's name or id")
    .option('--json', 'print an array of {id, from, text, sentAt, receivedAt, status}')
    .option('--limit <n>', 'only the last N messages')
    .option('--no-sync', 'do not contact the relays, only show what is here')
    .action(async (conv: string, o: { json?: boolean; limit?: string; sync: boolean }) => {
      const limit = o.limit === undefined ? undefined : Number(o.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new TincanError('bad-request', `--limit takes a whole number (got "${o.limit}")`);
      await withClient(ctx, async (c) => {
        if (o.sync) {
          const report = await c.sync({ conversation: conv });
          printReports(ctx, report.conversations, { quiet: true, toErr: true });
        }
        const { conversation, messages } = await c.history(conv, limit !== undefined ? { limit } : {});
        await c.markRead(conversation.id);
        if (o.json) {
          return json(
            ctx,
            messages.map((m) => ({ id: m.id, from: m.direction === 'out' ? 'me' : conversation.name, text: m.text, sentAt: m.sentAt, receivedAt: m.receivedAt, status: m.status })),
          );
        }
        if (messages.length === 0) return ctx.out(`No messages with ${conversation.name} yet.\n`);
        const now = Date.now();
        for (const m of messages) {
          const who = m.direction === 'out' ? paint(ctx, 'cyan', 'me') : paint(ctx, 'bold', conversation.name);
          const mark = m.status === 'queued' ? paint(ctx, 'yellow', ' (queued)') : m.status === 'unread' ? paint(ctx, 'green', ' •') : '';
          ctx.out(`${paint(ctx, 'dim', `[${shortTime(m.sentAt, now)}]`)} ${who}: ${m.text}${mark}\n`);
        }
      });
    });
}

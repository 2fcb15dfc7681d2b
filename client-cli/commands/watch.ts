/** `tincan watch [--json]`: one line per incoming message across all conversations (+ notify-send). */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { paint, shortTime } from '../format.ts';
import { printReports } from './sync.ts';

export function registerWatch(program: Command, ctx: CliContext): void {
  program
    .command('watch')
    .description('print a line for every incoming message in any conversation, with a desktop notification where notify-send exists')
    .option('--json', 'one JSON object per line: {"conversation", "id", "text", "sentAt"}')
    .option('--no-notify', 'no desktop notifications')
    .action(async (o: { json?: boolean; notify: boolean }) => {
      const session = await ctx.openSession({ lock: 'operation', live: true });
      try {
        const live = session.client.live({
          onReport: (r) => {
            for (const m of r.newMessages) {
              if (o.json) ctx.out(`${JSON.stringify({ conversation: r.name, id: m.id, text: m.text, sentAt: m.sentAt })}\n`);
              else ctx.out(`${paint(ctx, 'dim', `[${shortTime(m.sentAt)}]`)} ${paint(ctx, 'bold', r.name)}: ${m.text}\n`);
              if (o.notify) ctx.notify(`Tincan: ${r.name}`, m.text);
            }
            if (!o.json) printReports(ctx, [{ ...r, errors: [] }], { quiet: true });
          },
        });
        if (!o.json) ctx.err('Watching every conversation; stop with Ctrl-C.\n');
        await ctx.waitForSignal();
        live.stop();
        await live.done;
      } finally {
        await session.close();
      }
    });
}
